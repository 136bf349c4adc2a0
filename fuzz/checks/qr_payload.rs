//! The signed QR payload decoder (app certification.rs `verify_payload`
//! over core `QrClaims::parse`): arbitrary text never panics, is never
//! accepted without the installation's signature, and claims that parse
//! print back to the same message.

use ed25519_dalek::SigningKey;
use naikkelas_app::certification::{key_id, sign_payload, verify_payload};
use naikkelas_core::certification::QrClaims;

pub fn check(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let keys = [key.verifying_key()];
    assert!(verify_payload(s, &keys).is_err(), "an unsigned payload was accepted: {s:?}");
    if let Ok(claims) = QrClaims::parse(s) {
        assert_eq!(QrClaims::parse(&claims.message()).ok().as_ref(), Some(&claims));
        // Signed by the installation's key, the same claims verify.
        let claims = QrClaims { key_id: key_id(&keys[0]), ..claims };
        let signed = sign_payload(&key, &claims);
        assert_eq!(verify_payload(&signed, &keys).ok().as_ref(), Some(&claims));
    }
}
