namespace Conferencing.Hosting;

/// <summary>
/// A setting refused before options exist (the settings file, a flag): its message is the one line
/// <see cref="SettingsErrors"/> prints, naming the setting, its value and what is allowed.
/// </summary>
public sealed class InvalidSettingException : Exception
{
    /// <summary>A refused setting without a message (the exception pattern's constructor).</summary>
    public InvalidSettingException()
    {
    }

    /// <summary>A refused setting; <paramref name="message"/> is the line printed.</summary>
    public InvalidSettingException(string message)
        : base(message)
    {
    }

    /// <summary>A refused setting found through <paramref name="innerException"/>; <paramref name="message"/> is the line printed.</summary>
    public InvalidSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
