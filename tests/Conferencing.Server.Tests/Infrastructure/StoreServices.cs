using Conferencing.Server.Accounts;
using Conferencing.Server.Endpoints;
using Conferencing.Server.Meetings;
using Conferencing.Server.Sites;
using Conferencing.Server.Store;
using Microsoft.AspNetCore.DataProtection;

namespace Conferencing.Server.Tests.Infrastructure;

/// <summary>The store-facing services wired by hand over one database: what one control-plane node holds.</summary>
public sealed class StoreServices
{
    public StoreServices(Database database, DirectoryInfo keys)
    {
        Database = database;
        var time = TimeProvider.System;
        Audit = new AuditLog(database, time);
        Sites = new SiteStore(database, Audit, time);
        Endpoints = new EndpointStore(database, Audit, time, DataProtectionProvider.Create(keys));
        Meetings = new MeetingStore(database);
        Events = new MeetingEvents(Microsoft.Extensions.Logging.Abstractions.NullLogger<MeetingEvents>.Instance);
        MeetingService = new MeetingService(database, Meetings, Sites, Audit, Events, time);
        Users = new StaffUserStore(database, Audit, time);
    }

    public Database Database { get; }

    public AuditLog Audit { get; }

    public SiteStore Sites { get; }

    public EndpointStore Endpoints { get; }

    public MeetingStore Meetings { get; }

    public MeetingEvents Events { get; }

    public MeetingService MeetingService { get; }

    public StaffUserStore Users { get; }

    /// <summary>Imports the sites and gives each commune, ward and the province one endpoint.</summary>
    public async Task SeedAsync(IReadOnlyList<Site> sites)
    {
        await Sites.ImportAsync(sites, "test", CancellationToken.None).DefaultTimeout();
        foreach (var site in sites.Where(s => s.Level is SiteLevel.Commune or SiteLevel.Province))
        {
            await Endpoints.CreateAsync(new EndpointInput(site.Code, $"sip:{site.Code.ToLowerInvariant()}@10.0.0.1", "Phòng họp " + site.Name, null, null, null, null, null), "test", CancellationToken.None).DefaultTimeout();
        }
    }
}
