namespace Serverless.Functions.Errors;

/// <summary>
/// The text rule both surfaces' validators apply: a one-line field (a name, an e-mail) holds no control character, as a
/// CR/LF there breaks mail headers; any other text may hold tab, CR and LF but nothing else, as XML (the Atom feed)
/// cannot carry the rest.
/// </summary>
public static class ControlCharacters
{
    public static bool In(string text, bool multiLine) =>
        text.Any(c => char.IsControl(c) && !(multiLine && c is '\n' or '\r' or '\t'));
}
