//! Certificates for the test servers that speak TLS: a fresh certificate authority per server
//! and a server certificate it signs for `127.0.0.1` and `localhost`, so a client trusting only
//! that CA can verify the server as it would in production, with no internet and no system
//! trust store involved.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A server certificate and its key, and the CA that signed it.
pub(crate) struct ServerCertificate {
    /// The CA certificate a client must trust, PEM.
    pub ca_pem: String,
    /// The CA certificate, DER.
    pub ca_der: CertificateDer<'static>,
    /// The server certificate, PEM.
    pub cert_pem: String,
    /// The server certificate, DER.
    pub cert_der: CertificateDer<'static>,
    /// The server's private key, PKCS#8 PEM.
    pub key_pem: String,
    /// The server's private key, PKCS#8 DER.
    pub key_der: PrivateKeyDer<'static>,
}

/// Makes a CA and a server certificate named `common_name` for `127.0.0.1` and `localhost`;
/// `adjust` may change the server certificate's parameters (its validity, say) before it is
/// signed.
///
/// # Panics
/// If rcgen cannot make the keys or certificates, which only a bug in the parameters causes.
pub(crate) fn issue(common_name: &str, adjust: impl FnOnce(&mut CertificateParams)) -> ServerCertificate {
    let ca_key = KeyPair::generate().expect("generate the CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Firebreak test CA");
    let ca_certificate = ca.self_signed(&ca_key).expect("self-sign the CA");

    let key = KeyPair::generate().expect("generate the server key");
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("server parameters");
    params.distinguished_name.push(DnType::CommonName, common_name);
    adjust(&mut params);
    let certificate = params.signed_by(&key, &Issuer::new(ca, &ca_key)).expect("sign the server certificate");
    ServerCertificate {
        ca_pem: ca_certificate.pem(),
        ca_der: ca_certificate.der().clone(),
        cert_pem: certificate.pem(),
        cert_der: certificate.der().clone(),
        key_pem: key.serialize_pem(),
        key_der: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}
