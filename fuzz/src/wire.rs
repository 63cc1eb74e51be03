//! Outgoing frames read through every way the codec offers: `to_vec`, `body_to_vec`,
//! `Buf::chunk`/`advance` in odd steps, `chunks_vectored` and `write_to` after a partial
//! write, and a [`FrameQueue`] holding them all. All must give the same bytes.

use std::io::IoSlice;

use bytes::Buf;
use skywire_codec::{FrameQueue, OutFrame};

use crate::{assert_same_bytes, Rng};

/// Reads `b` to the end in steps of 1..=`max` bytes via `chunk` / `advance`.
fn read_in_steps(mut b: impl Buf, rng: &mut Rng, max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while b.has_remaining() {
        let c = b.chunk();
        assert!(
            !c.is_empty(),
            "empty chunk with {} bytes remaining",
            b.remaining()
        );
        let n = rng.size(max).min(c.len());
        out.extend_from_slice(&c[..n]);
        b.advance(n);
    }
    assert_eq!(b.remaining(), 0);
    out
}

/// Reads `b` to the end with `chunks_vectored` into `slots` slices at a time.
fn read_vectored(mut b: impl Buf, slots: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while b.has_remaining() {
        let mut io = vec![IoSlice::new(&[]); slots];
        let n = b.chunks_vectored(&mut io);
        assert!(n > 0, "no slices with {} bytes remaining", b.remaining());
        let got: usize = io[..n].iter().map(|s| s.len()).sum();
        for s in &io[..n] {
            out.extend_from_slice(s);
        }
        b.advance(got);
    }
    out
}

/// The bytes of `frames` on the wire, after checking that every path gives them.
pub fn frame_bytes(frames: Vec<OutFrame>, seed: u32) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut all = Vec::new();
    for f in &frames {
        let v = f.to_vec();
        assert_eq!(v.len(), f.wire_len());
        assert_eq!(f.remaining(), v.len());
        assert!(v.len() >= 2);
        assert_eq!(
            usize::from(u16::from_be_bytes([v[0], v[1]])),
            v.len() - 2,
            "frame header does not give the body length"
        );
        assert_same_bytes(&f.body_to_vec(), &v[2..], "body_to_vec");
        assert!(v.ends_with(f.data()), "data is not the frame's tail");
        assert_same_bytes(&read_in_steps(f.clone(), &mut rng, 7), &v, "chunk/advance");
        assert_same_bytes(&read_vectored(f.clone(), 1), &v, "chunks_vectored");
        // Part-way through: the rest through each path.
        let k = rng.size(v.len() + 1) - 1;
        let mut g = f.clone();
        g.advance(k);
        assert_eq!(g.remaining(), v.len() - k);
        let mut w = Vec::new();
        g.write_to(&mut w);
        assert_same_bytes(&w, &v[k..], "write_to after advance");
        assert_same_bytes(
            &read_vectored(g.clone(), 2),
            &v[k..],
            "vectored after advance",
        );
        assert_same_bytes(
            &read_in_steps(g, &mut rng, 3),
            &v[k..],
            "chunks after advance",
        );
        all.extend_from_slice(&v);
    }
    let mut q = FrameQueue::new();
    q.extend(frames.iter().cloned());
    assert_eq!(q.frames(), frames.len());
    assert_eq!(q.remaining(), all.len());
    let slots = rng.size(5);
    assert_same_bytes(&read_vectored(q, slots), &all, "FrameQueue, vectored");
    let mut q = FrameQueue::new();
    q.extend(frames);
    let step = rng.size(40000);
    assert_same_bytes(
        &read_in_steps(q, &mut rng, step),
        &all,
        "FrameQueue, chunk/advance",
    );
    all
}
