//! Random identifiers.

/// Sixteen bytes written as a version-4 GUID (`xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx`).
pub fn guid_of(b: [u8; 16]) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]),
    )
}

/// A random version-4 GUID (`client-request-id`, ids Graph expects in that shape).
pub fn random_guid() -> String {
    guid_of(rand::random())
}

/// `bytes` random bytes as lowercase hex (account ids, the receiver's path segment).
pub fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_have_the_version_4_shape() {
        let guid = guid_of([0xff; 16]);
        assert_eq!(guid, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(random_guid().len(), 36);
        assert_eq!(random_hex(16).len(), 32);
    }
}
