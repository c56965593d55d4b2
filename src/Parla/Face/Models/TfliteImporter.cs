using System.Reflection;

namespace Parla.Face.Models;

/// <summary>Reads a TFLite model and writes the equivalent ONNX model (see <see cref="TfliteToOnnxConverter"/>).</summary>
internal static class TfliteImporter
{
    /// <summary>
    /// Converts TFLite bytes to ONNX <c>ModelProto</c> bytes. <paramref name="rename"/> maps TFLite
    /// input/output tensor names to the names the ONNX graph should expose.
    /// </summary>
    public static byte[] Convert(byte[] tflite, IReadOnlyDictionary<string, string> rename, string graphName)
    {
        var model = TfliteModel.Read(tflite);
        var graph = TfliteToOnnxConverter.Convert(model, rename, graphName);
        var version = typeof(TfliteImporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        return graph.ToModelProto("Parla TFLite importer", $"{TfliteToOnnxConverter.Version} ({version})");
    }
}
