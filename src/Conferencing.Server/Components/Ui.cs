namespace Conferencing.Server;

/// <summary>
/// Marker for the user-interface strings in Resources/Ui.resx (Vietnamese, the default) and
/// Resources/Ui.en.resx (English).
/// </summary>
public sealed class Ui;
