import Crypto
import FoundationEssentials
import InstallerSystem
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// HTTPS for the bootstrap server without a certificate from the operator: a private CA in `genconf/keys/`
/// (created once) issues the server a certificate for the bootstrap address, and dcos_install.sh pins that CA
/// (curl trusts it alone for the bootstrap server).
///
/// Every file is 0600, as all of `genconf/keys/` (certificates too, so the directory has one rule).
/// - `bootstrap-ca.pem`: the CA certificate nodes pin. Put your own CA's certificate here (without
///   `bootstrap-ca.key`) to pin it instead; then serve with `--tls-cert`/`--tls-key` from that CA.
/// - `bootstrap-ca.key`: its ECDSA P-256 key (0600); when present, genconf issues the server certificate.
/// - `bootstrap-server.pem`, `bootstrap-server.key`: what `--serve` uses for an https bootstrap_url when no
///   `--tls-cert` is given. Re-issued when the bootstrap host changes or it has less than 30 days left.
public enum BootstrapTLS {
    public static let caCertificateName = "bootstrap-ca.pem"
    public static let caKeyName = "bootstrap-ca.key"
    public static let serverCertificateName = "bootstrap-server.pem"
    public static let serverKeyName = "bootstrap-server.key"
    static let caLifetime: TimeInterval = 10 * 365 * 86400
    static let serverLifetime: TimeInterval = 825 * 86400
    static let renewBefore: TimeInterval = 30 * 86400

    /// Makes sure the CA and, when genconf holds the CA key, a server certificate for `host` exist. Returns the CA
    /// certificate (PEM) to pin and the names of the files created.
    public static func prepare(genconfDirectory: String, host: String, now: Date = Date()) throws(TrustError) -> (
        caPEM: String, created: [String]
    ) {
        let directory = genconfDirectory + "/" + GenconfKeys.directoryName
        let caPath = directory + "/" + caCertificateName
        let caKeyPath = directory + "/" + caKeyName
        var created: [String] = []
        do {
            try FileWriter.makeDirectory(directory, mode: 0o700)
            if FileReader.permissions(caPath) == nil {
                let key = P256.Signing.PrivateKey()
                let certificate = try makeCA(key: key, now: now)
                // The key first: a CA certificate without its key would mean "the operator's own CA".
                _ = try FileWriter.createIfAbsent(caKeyPath, bytes: Array(key.pemRepresentation.utf8), mode: 0o600)
                _ = try FileWriter.createIfAbsent(caPath, bytes: Array(try pem(certificate).utf8), mode: 0o600)
                created += [caKeyName, caCertificateName]
            }
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError("Cannot create the bootstrap CA in \(directory): \(error)")
        }
        let caPEM = try read(caPath)
        guard let caCertificate = try? Certificate(pemEncoded: caPEM) else {
            throw TrustError(
                "\(caPath) is not a PEM certificate. Replace it with your CA's certificate, or move it away and run --genconf."
            )
        }
        guard FileReader.permissions(caKeyPath) != nil else { return (caPEM, created) }
        try PrivateFiles.check(caKeyPath)
        let serverPath = directory + "/" + serverCertificateName
        if let existing = try? Certificate(pemEncoded: try read(serverPath)), names(existing, host: host),
            existing.notValidAfter.timeIntervalSince(now) > renewBefore, existing.issuer == caCertificate.subject
        {
            return (caPEM, created)
        }
        do {
            let caKey = try P256.Signing.PrivateKey(pemRepresentation: try read(caKeyPath))
            let key = P256.Signing.PrivateKey()
            let certificate = try makeServer(host: host, key: key, ca: caCertificate, caKey: caKey, now: now)
            try FileWriter.replace(
                directory + "/" + serverKeyName,
                bytes: Array(key.pemRepresentation.utf8),
                mode: 0o600
            )
            try FileWriter.replace(serverPath, bytes: Array(try pem(certificate).utf8), mode: 0o600)
            created += [serverKeyName, serverCertificateName]
        } catch let error as TrustError {
            throw error
        } catch {
            throw TrustError("Cannot issue the bootstrap server certificate for \(host): \(error)")
        }
        return (caPEM, created)
    }

    /// The certificate and key `--serve` uses for an https bootstrap_url, when genconf issued them.
    public static func serverFiles(genconfDirectory: String) -> (certificate: String, key: String)? {
        let directory = genconfDirectory + "/" + GenconfKeys.directoryName
        let files = (directory + "/" + serverCertificateName, directory + "/" + serverKeyName)
        guard FileReader.permissions(files.0) != nil, FileReader.permissions(files.1) != nil else { return nil }
        return files
    }

    private static func makeCA(key: P256.Signing.PrivateKey, now: Date) throws -> Certificate {
        let name = try DistinguishedName {
            OrganizationName("dcos-installer")
            CommonName("dcos-installer bootstrap CA \(Hex.encode(randomBytes(4)))")
        }
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(bytes: randomBytes(16)),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(caLifetime),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: .init(key)
        )
    }

    private static func makeServer(
        host: String,
        key: P256.Signing.PrivateKey,
        ca: Certificate,
        caKey: P256.Signing.PrivateKey,
        now: Date
    ) throws -> Certificate {
        let subject = try DistinguishedName { CommonName(host) }
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(bytes: randomBytes(16)),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: min(now.addingTimeInterval(serverLifetime), ca.notValidAfter),
            issuer: ca.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([generalName(host)])
            },
            issuerPrivateKey: .init(caKey)
        )
    }

    /// An IPv4 or IPv6 address as an IP SAN, anything else as a DNS name.
    static func generalName(_ host: String) -> GeneralName {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(withUnsafeBytes(of: &v4) { Array($0) })))
        }
        var v6 = in6_addr()
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(withUnsafeBytes(of: &v6) { Array($0) })))
        }
        return .dnsName(host)
    }

    private static func names(_ certificate: Certificate, host: String) -> Bool {
        guard let names = try? certificate.extensions.subjectAlternativeNames else { return false }
        return names.contains(generalName(host))
    }

    private static func pem(_ certificate: Certificate) throws -> String {
        try certificate.serializeAsPEM().pemString + "\n"
    }

    private static func read(_ path: String) throws(TrustError) -> String {
        do {
            return String(decoding: try FileReader.contents(path, limit: 64 * 1024), as: UTF8.self)
        } catch {
            throw TrustError("\(error)")
        }
    }
}
