using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeInventory.Mqtt;

/// <summary>
/// OpenSSL's error queue only says "certificate verify failed". When libmosquitto reports a TLS error, this
/// makes one handshake of its own to fetch the broker's certificate and say what is wrong with it
/// (expired, not yet valid, signed by another CA, for another host), so an operator can act on the log line.
/// </summary>
internal static class TlsDiagnosis
{
    public static string? Explain(string host, int port, MosquittoTlsOptions tls, TimeSpan timeout)
    {
        try
        {
            using var tcp = new TcpClient();
            if (!tcp.ConnectAsync(host, port).Wait(timeout))
            {
                return null;
            }
            X509Certificate2? presented = null;
            SslPolicyErrors policyErrors = SslPolicyErrors.None;
            using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false, (_, certificate, _, errors) =>
            {
                if (certificate is not null)
                {
                    presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                }
                policyErrors = errors;
                return false; // diagnosis only: never complete this handshake
            });
            try
            {
                ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host })
                    .Wait(timeout);
            }
            catch (AggregateException e) when (e.InnerException is AuthenticationException or IOException)
            {
            }
            if (presented is null)
            {
                return null;
            }
            using (presented)
            {
                return Describe(presented, policyErrors, host, tls);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or AggregateException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Describe(X509Certificate2 certificate, SslPolicyErrors errors, string host, MosquittoTlsOptions tls)
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
        if (tls.CaFile is not null)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(tls.CaFile);
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            if (!chain.Build(certificate))
            {
                string status = string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
                foreach (X509Certificate2 root in roots)
                {
                    root.Dispose();
                }
                return $"{who} (issuer '{certificate.Issuer}') is not signed by a CA in {tls.CaFile}: {status}";
            }
            foreach (X509Certificate2 root in roots)
            {
                root.Dispose();
            }
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && !tls.AllowHostnameMismatch)
        {
            return $"{who} does not name the host '{host}'";
        }
        return $"{who} was refused ({errors})";
    }
}
