namespace Parla.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("parla");
        return 0;
    }
}
