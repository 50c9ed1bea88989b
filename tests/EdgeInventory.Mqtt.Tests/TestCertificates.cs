using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeInventory.Testing;

namespace EdgeInventory.Mqtt.Tests;

/// <summary>
/// A throw-away PKI: a CA and a broker certificate for 127.0.0.1 made with openssl (as an operator would,
/// see tools/broker/README.md), plus an expired broker certificate signed by the same CA and a second,
/// unrelated CA.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgeinv-pki-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(Directory);
        string ext = P("server.ext");
        File.WriteAllText(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        MosquittoBroker.Run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", CaKey, "-out", CaFile, "-days", "2", "-subj", "/CN=EdgeInventory test CA");
        MosquittoBroker.Run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", ServerKey, "-out", P("server.csr"), "-subj", "/CN=127.0.0.1");
        MosquittoBroker.Run("openssl", "x509", "-req", "-in", P("server.csr"), "-CA", CaFile, "-CAkey", CaKey, "-CAcreateserial",
            "-out", ServerCert, "-days", "2", "-extfile", ext);
        MosquittoBroker.Run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", P("other-ca.key"), "-out", OtherCaFile, "-days", "2", "-subj", "/CN=Somebody else's CA");
        WriteExpiredServerCertificate();
    }

    public string Directory { get; }

    public string CaFile => P("ca.crt");

    public string CaKey => P("ca.key");

    public string ServerCert => P("server.crt");

    public string ServerKey => P("server.key");

    public string ExpiredServerCert => P("expired.crt");

    public string ExpiredServerKey => P("expired.key");

    public string OtherCaFile => P("other-ca.crt");

    private string P(string name) => Path.Combine(Directory, name);

    /// <summary>openssl 3.0's x509 cannot back-date a certificate, so this one is signed with .NET's CertificateRequest.</summary>
    private void WriteExpiredServerCertificate()
    {
        using X509Certificate2 ca = X509Certificate2.CreateFromPemFile(CaFile, CaKey);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        // CertificateRequest refuses a validity that starts before the issuer's, and the CA is valid from
        // about now: the leaf lives for one second from the CA's start, and we wait until it has expired.
        DateTimeOffset notBefore = ca.NotBefore.ToUniversalTime();
        using X509Certificate2 expired = request.Create(ca, notBefore, notBefore.AddSeconds(1), [1, 2, 3, 4]);
        TimeSpan wait = notBefore.AddSeconds(2) - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            Thread.Sleep(wait);
        }
        File.WriteAllText(ExpiredServerCert, expired.ExportCertificatePem());
        File.WriteAllText(ExpiredServerKey, key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
