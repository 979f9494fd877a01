//! A certificate authority generated at start (rcgen) and a loopback server certificate it
//! signs, so git, libgit2 and Python can trust the HTTPS listener through a PEM file.

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Creates the CA, writes it to `ca_pem` and returns a rustls server config for 127.0.0.1/localhost.
pub fn server_config(ca_pem: &Path) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // A unique name per start: TLS stacks look CAs up by name, so two emulators' CAs trusted
    // by one process (libgit2's single OpenSSL store, in the test suite) must not share one.
    ca.distinguished_name.push(
        DnType::CommonName,
        format!("Lanyard emulator CA {:016x}", rand::random::<u64>()),
    );
    ca.distinguished_name
        .push(DnType::OrganizationName, "Lanyard");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut leaf = CertificateParams::new(vec![
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        "::1".to_owned(),
    ])?;
    leaf.distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &Issuer::new(ca, ca_key))?;

    crate::write_private(ca_pem, ca_cert.pem().as_bytes())?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![
                CertificateDer::from(leaf_cert.der().to_vec()),
                CertificateDer::from(ca_cert.der().to_vec()),
            ],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )?;
    Ok(Arc::new(config))
}
