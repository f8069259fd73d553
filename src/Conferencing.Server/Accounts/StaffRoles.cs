namespace Conferencing.Server.Accounts;

/// <summary>Staff roles and the authorization policies built from them.</summary>
public static class StaffRoles
{
    public const string Admin = "Admin";
    public const string Secretariat = "Secretariat";
    public const string Technician = "Technician";

    public static readonly string[] All = [Admin, Secretariat, Technician];

    /// <summary>Policy names. Admin passes every policy.</summary>
    public static class Policies
    {
        public const string Staff = "staff";
        public const string Secretariat = "secretariat";
        public const string Technician = "technician";
        public const string Admin = "admin";
    }

    public static bool IsKnown(string? role) => role is not null && All.Contains(role, StringComparer.Ordinal);
}
