using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeInventory.Mqtt;

/// <summary>
/// Checks the broker's certificate during the TLS handshake against the configured trust (CA file, CA directory, the
/// OS store) and, when it refuses one, says what is wrong with it — expired, not yet valid, signed by another CA, for
/// another host — so an operator can act on the log line rather than on "certificate verify failed".
/// </summary>
internal sealed class TlsDiagnosis : IDisposable
{
    private readonly MqttTlsOptions tls;
    private readonly string host;
    private readonly X509Certificate2Collection roots = [];

    public TlsDiagnosis(MqttTlsOptions tls, string host)
    {
        this.tls = tls;
        this.host = host;
        if (tls.CaFile is not null)
        {
            roots.ImportFromPemFile(tls.CaFile);
        }
        if (tls.CaPath is not null)
        {
            foreach (string file in Directory.EnumerateFiles(tls.CaPath))
            {
                try
                {
                    roots.ImportFromPemFile(file);
                }
                catch (CryptographicException)
                {
                    // Not a certificate (c_rehash directories also hold other files).
                }
            }
        }
    }

    /// <summary>Null when the certificate is acceptable, otherwise what is wrong with it.</summary>
    public string? Problem(X509Certificate2 certificate, SslPolicyErrors errors)
    {
        string who = $"the broker's certificate '{certificate.Subject}'";
        DateTime now = DateTime.UtcNow;
        if (now > certificate.NotAfter.ToUniversalTime())
        {
            return $"{who} expired at {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z";
        }
        if (now < certificate.NotBefore.ToUniversalTime())
        {
            return $"{who} is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z (check the device clock)";
        }
        bool trustedByOs = tls.UseOsTrustStore && !errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors) && !errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable);
        string? chainProblem = null;
        if (!trustedByOs)
        {
            if (roots.Count > 0)
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                if (!chain.Build(certificate))
                {
                    string status = string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
                    chainProblem = $"{who} (issuer '{certificate.Issuer}') is not signed by a CA in {tls.CaFile ?? tls.CaPath}: {status}";
                }
            }
            else
            {
                chainProblem = $"{who} (issuer '{certificate.Issuer}') is not trusted by the operating system's CA store ({errors})";
            }
        }
        if (chainProblem is not null)
        {
            return chainProblem;
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && !tls.AllowHostnameMismatch)
        {
            return $"{who} does not name the host '{host}'";
        }
        return null;
    }

    /// <summary>The client certificate for mutual TLS, when configured.</summary>
    public X509Certificate2Collection? ClientCertificates() =>
        tls.CertFile is not null && tls.KeyFile is not null ? [X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile)] : null;

    public void Dispose()
    {
        foreach (X509Certificate2 root in roots)
        {
            root.Dispose();
        }
    }
}
