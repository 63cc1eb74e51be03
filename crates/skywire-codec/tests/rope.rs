//! A payload sent as a [`Rope`] goes on the wire exactly as the same payload whole.

use bytes::Bytes;
use proptest::prelude::*;
use skywire_codec::rope::MAX_PREFIX;
use skywire_codec::{Response, ResponseFrames, Rope, Session, MULTI_PART};

/// The wire bytes of these frames, one `Vec` per frame.
fn wire(frames: impl Iterator<Item = skywire_codec::OutFrame>) -> Vec<Vec<u8>> {
    frames.map(|f| f.to_vec()).collect()
}

/// Chunk sizes around the boundaries that matter: a part's (`MULTI_PART`), the prefix a
/// frame head takes (`MAX_PREFIX`), and none.
fn chunk_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        0usize..8,
        prop::sample::select(vec![
            MAX_PREFIX - 1,
            MAX_PREFIX,
            MAX_PREFIX + 1,
            4096,
            MULTI_PART - 1,
            MULTI_PART,
            MULTI_PART + 1,
            70_000,
        ]),
        0usize..3 * MULTI_PART,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn rope_frames_are_the_whole_payloads_frames(
        lens in prop::collection::vec(chunk_len(), 0..6),
        session in 1u32..,
    ) {
        let chunks: Vec<Bytes> = lens
            .iter()
            .enumerate()
            .map(|(i, &n)| Bytes::from((0..n).map(|j| (i * 31 + j) as u8).collect::<Vec<u8>>()))
            .collect();
        let whole = Bytes::from(chunks.concat());
        let session = Session::new(session);
        let want = wire(Response::ok(session, whole).frames().unwrap());
        let got = wire(ResponseFrames::ok_rope(session, Rope::new(chunks)).unwrap());
        prop_assert_eq!(got, want);
    }
}

#[test]
fn an_echoed_string_goes_out_from_the_bytes_it_came_in() {
    // What `pack_chunks` makes of one 100,000-byte string: its 5-byte head, then the
    // string itself.
    let string = Bytes::from(vec![b's'; 100_000]);
    let head = Bytes::from_static(&[0x0c, 0xa0, 0x86, 0x01, 0x00]);
    let rope = Rope::new(vec![head.clone(), string.clone()]);
    let frames: Vec<_> = ResponseFrames::ok_rope(Session::new(9), rope)
        .unwrap()
        .collect();
    let whole = Bytes::from([&head[..], &string[..]].concat());
    assert_eq!(
        wire(frames.clone().into_iter()),
        wire(Response::ok(Session::new(9), whole).frames().unwrap())
    );
    // Every part's data lies in the string: nothing of it was copied.
    let range = string.as_ptr_range();
    for f in &frames[1..] {
        let data = f.data().as_ptr_range();
        assert!(range.start <= data.start && data.end <= range.end);
    }
    let sent: usize = frames[1..].iter().map(|f| f.data().len()).sum();
    assert_eq!(sent, string.len());
}

#[test]
fn zero_session_is_refused_when_multi_part() {
    let rope = Rope::from(Bytes::from(vec![0u8; MULTI_PART + 1]));
    assert!(ResponseFrames::ok_rope(Session::PUSH, rope).is_err());
    // One frame needs no session of its own, as with a whole payload.
    let small = Rope::from(Bytes::from_static(b"\x24ping"));
    assert!(ResponseFrames::ok_rope(Session::PUSH, small).is_ok());
}
