//! The portable test vectors in `spec/vectors/` (schema: `spec/vectors/README.md`), loaded.
//!
//! The files are embedded in this crate, so `skywire conform` needs nothing beside the
//! binary; other implementations read the same files from the repository.

use serde::Deserialize;
use skywire_seri::Value;

/// `spec/vectors/lua-seri.json`: values and the bytes skynet packs them to.
pub const LUA_SERI_JSON: &str = include_str!("../../../spec/vectors/lua-seri.json");
/// `spec/vectors/lua-seri-invalid.json`: payloads a decoder must reject.
pub const LUA_SERI_INVALID_JSON: &str = include_str!("../../../spec/vectors/lua-seri-invalid.json");
/// `spec/vectors/messages.json`: requests and responses and their exact frames.
pub const MESSAGES_JSON: &str = include_str!("../../../spec/vectors/messages.json");
/// `spec/vectors/frames-invalid.json`: frame streams a decoder must reject.
pub const FRAMES_INVALID_JSON: &str = include_str!("../../../spec/vectors/frames-invalid.json");

/// An error reading a vector file.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// The file is not JSON of the schema.
    #[error("vector file: {0}")]
    Json(#[from] serde_json::Error),
    /// A vector's values are not in the JSON value form.
    #[error("vector {id}: {source}")]
    Value {
        /// The vector.
        id: String,
        /// What is wrong.
        source: skywire_seri::JsonError,
    },
    /// A hex field is not hex.
    #[error("vector {id}: {field} is not hex: {source}")]
    Hex {
        /// The vector.
        id: String,
        /// The field.
        field: &'static str,
        /// What is wrong.
        source: hex::FromHexError,
    },
}

/// `spec/vectors/lua-seri.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct SeriFile {
    /// `skywire-vectors/lua-seri/1`.
    pub format: String,
    /// Where the bytes came from.
    pub source: String,
    /// The vectors.
    pub vectors: Vec<SeriVector>,
    /// Values skynet's packer refuses.
    #[serde(default)]
    pub rejected_by_packer: Vec<PackerRejection>,
}

/// One value list and its bytes.
#[derive(Clone, Debug, Deserialize)]
pub struct SeriVector {
    /// Stable ID.
    pub id: String,
    /// What it is.
    pub description: String,
    /// The values, in the JSON value form.
    pub values: serde_json::Value,
    /// `skynet.pack(values...)`, hex.
    pub packed: String,
    /// Other byte forms `skynet.unpack` reads as the same values, hex; a conforming decoder
    /// reads them as these values too.
    #[serde(default)]
    pub unpacks_from: Vec<String>,
    /// Byte forms `skynet.unpack` also reads as these values, but that the spec rejects or
    /// reads differently (spec/lua-seri.md §5): a decoder may refuse them.
    #[serde(default)]
    pub unpacks_from_skynet_only: Vec<String>,
}

impl SeriVector {
    /// The values.
    pub fn values(&self) -> Result<Vec<Value>, VectorError> {
        skywire_seri::values_from_json(&self.values).map_err(|source| VectorError::Value {
            id: self.id.clone(),
            source,
        })
    }

    /// The packed bytes.
    pub fn packed(&self) -> Result<Vec<u8>, VectorError> {
        unhex(&self.id, "packed", &self.packed)
    }

    /// The other accepted forms.
    pub fn unpacks_from(&self) -> Result<Vec<Vec<u8>>, VectorError> {
        unhex_all(&self.id, "unpacks_from", &self.unpacks_from)
    }
}

/// A value skynet's packer refuses.
#[derive(Clone, Debug, Deserialize)]
pub struct PackerRejection {
    /// Stable ID.
    pub id: String,
    /// What it is.
    pub description: String,
    /// How the value is built (prose).
    pub construction: String,
    /// skynet's error message.
    pub error: String,
}

/// `spec/vectors/lua-seri-invalid.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct SeriInvalidFile {
    /// `skywire-vectors/lua-seri-invalid/1`.
    pub format: String,
    /// Where the vectors came from.
    #[serde(default)]
    pub source: String,
    /// The vectors.
    pub vectors: Vec<InvalidVector>,
}

/// Bytes a decoder must reject, and where.
#[derive(Clone, Debug, Deserialize)]
pub struct InvalidVector {
    /// Stable ID.
    pub id: String,
    /// What is wrong with it.
    pub description: String,
    /// The bytes, hex.
    pub bytes: String,
    /// The error class (see `spec/vectors/README.md`).
    pub error: String,
    /// The byte offset the spec gives for the error.
    pub offset: u64,
    /// What skynet does with these bytes, where known.
    #[serde(default)]
    pub skynet: Option<String>,
}

impl InvalidVector {
    /// The bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, VectorError> {
        unhex(&self.id, "bytes", &self.bytes)
    }
}

/// `spec/vectors/frames-invalid.json`: the same shape as the lua-seri invalid file, for
/// request-direction or response-direction byte streams.
#[derive(Clone, Debug, Deserialize)]
pub struct FramesInvalidFile {
    /// `skywire-vectors/frames-invalid/1`.
    pub format: String,
    /// Where the vectors came from.
    #[serde(default)]
    pub source: String,
    /// The vectors.
    pub vectors: Vec<InvalidStream>,
}

/// A byte stream a decoder must reject.
#[derive(Clone, Debug, Deserialize)]
pub struct InvalidStream {
    /// `requests` (sender to agent) or `responses` (agent to sender).
    pub direction: Direction,
    /// The rest, as for a payload.
    #[serde(flatten)]
    pub vector: InvalidVector,
}

/// Which way a byte stream flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Sender to agent: requests, pushes, trace tags.
    Requests,
    /// Agent to sender: responses.
    Responses,
}

/// `spec/vectors/messages.json`: messages and the frames skynet sent them as.
#[derive(Clone, Debug, Deserialize)]
pub struct MessagesFile {
    /// `skywire-vectors/messages/1`.
    pub format: String,
    /// Where the frames came from.
    pub source: String,
    /// The vectors.
    pub vectors: Vec<MessageVector>,
}

/// One message and its frames.
#[derive(Clone, Debug, Deserialize)]
pub struct MessageVector {
    /// Stable ID.
    pub id: String,
    /// `requests` or `responses`.
    pub direction: Direction,
    /// `call`, `push`, `ok`, `error`.
    pub kind: String,
    /// The session.
    pub session: u32,
    /// For requests: `"@name"`, `".name"` or a number.
    #[serde(default)]
    pub target: Option<serde_json::Value>,
    /// For requests: the trace tag sent before it, hex.
    #[serde(default)]
    pub trace: Option<String>,
    /// The payload (or error text), hex.
    pub payload: String,
    /// Each frame as on the wire (length header included), hex.
    pub frames: Vec<String>,
}

impl MessageVector {
    /// The payload.
    pub fn payload(&self) -> Result<Vec<u8>, VectorError> {
        unhex(&self.id, "payload", &self.payload)
    }

    /// The frames.
    pub fn frames(&self) -> Result<Vec<Vec<u8>>, VectorError> {
        unhex_all(&self.id, "frames", &self.frames)
    }
}

fn unhex_all(id: &str, field: &'static str, hs: &[String]) -> Result<Vec<Vec<u8>>, VectorError> {
    hs.iter().map(|h| unhex(id, field, h)).collect()
}

fn unhex(id: &str, field: &'static str, h: &str) -> Result<Vec<u8>, VectorError> {
    hex::decode(h).map_err(|source| VectorError::Hex {
        id: id.to_string(),
        field,
        source,
    })
}

/// The embedded lua-seri vectors.
pub fn lua_seri() -> Result<SeriFile, VectorError> {
    Ok(serde_json::from_str(LUA_SERI_JSON)?)
}

/// The embedded invalid payloads.
pub fn lua_seri_invalid() -> Result<SeriInvalidFile, VectorError> {
    Ok(serde_json::from_str(LUA_SERI_INVALID_JSON)?)
}

/// The embedded message vectors.
pub fn messages() -> Result<MessagesFile, VectorError> {
    Ok(serde_json::from_str(MESSAGES_JSON)?)
}

/// The embedded invalid frame streams.
pub fn frames_invalid() -> Result<FramesInvalidFile, VectorError> {
    Ok(serde_json::from_str(FRAMES_INVALID_JSON)?)
}
