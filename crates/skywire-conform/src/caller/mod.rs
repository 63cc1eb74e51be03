//! The calling side: a caller under test performs a published *caller script* against a
//! node serving the contract; everything it sends is recorded and compared, frame by frame,
//! with what skynet's own sender sent for the same script.
//!
//! - [`script`]: the script format (JSON Lines) and the built-in script, the captures'
//!   `basic` scenario;
//! - [`compare`]: the byte comparison, with each deviation's byte offset and script step;
//! - [`serve`]: the recording node (`skywire conform --serve`);
//! - [`play`]: a skywire node performing a script, as a caller under test would.

pub mod compare;
pub mod play;
pub mod script;
pub mod serve;
