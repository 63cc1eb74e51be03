//! Text for reports.

/// `s`, cut to at most `max` bytes on a character boundary, with `...` when cut.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Values as Lua literals, `, `-separated, cut to at most `max` bytes.
pub(crate) fn values(vs: &[skywire_seri::Value], max: usize) -> String {
    let s = vs
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    shorten(&s, max)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cuts_on_a_character_boundary() {
        assert_eq!(super::shorten("abc", 3), "abc");
        assert_eq!(super::shorten("abcd", 3), "abc...");
        assert_eq!(super::shorten("aé", 2), "a...");
    }
}
