//! Payloads shared by the decoding tests.

/// `skynet.pack("ping", {1, 2, name = "v"}, 0.5)`, byte by byte from the format's rules.
pub const PING_TABLE: [u8; 27] = [
    0x24, b'p', b'i', b'n', b'g', // short string, length 4
    0x16, // table, array length 2
    0x0a, 0x01, 0x0a, 0x02, // 1, 2 (u8 integers)
    0x24, b'n', b'a', b'm', b'e', 0x0c, b'v', // name = "v"
    0x00, // end of the hash part
    0x42, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, // 0.5, a little-endian double
];
