//! Lua numerals converted as Lua converts them (`lua_strx2number`, `l_str2int`, `l_str2d`).

use alloc::string::String;

use crate::value::Value;

/// Converts a numeral as Lua does: integers first (decimal ones that overflow become
/// floats, hex ones wrap), then floats.
pub(super) fn convert_numeral(text: &str) -> Option<Value> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return convert_hex(hex);
    }
    if text.bytes().all(|c| c.is_ascii_digit()) {
        return match text.parse::<i64>() {
            Ok(i) => Some(Value::Integer(i)),
            Err(_) => text.parse::<f64>().ok().map(Value::Real),
        };
    }
    // A float: digits, at most one dot, optional exponent with digits.
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let mut dots = 0;
    let mut digits = 0;
    for c in mantissa.bytes() {
        match c {
            b'.' => dots += 1,
            c if c.is_ascii_digit() => digits += 1,
            _ => return None,
        }
    }
    if dots > 1 || digits == 0 {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !e.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
    }
    let mut s = String::with_capacity(text.len() + 2);
    if mantissa.starts_with('.') {
        s.push('0');
    }
    s.push_str(mantissa);
    if mantissa.ends_with('.') {
        s.push('0');
    }
    if let Some(e) = exponent {
        s.push('e');
        s.push_str(e);
    }
    s.parse::<f64>().ok().map(Value::Real)
}

/// The part of a hex numeral after `0x`: an integer (wrapping) or a hex float.
fn convert_hex(text: &str) -> Option<Value> {
    let (mantissa, exponent) = match text.find(['p', 'P']) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let is_float = exponent.is_some() || mantissa.contains('.');
    if !is_float {
        if mantissa.is_empty() {
            return None;
        }
        let mut v: u64 = 0;
        for c in mantissa.chars() {
            v = v.wrapping_mul(16).wrapping_add(u64::from(c.to_digit(16)?));
        }
        return Some(Value::Integer(v as i64));
    }
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut m: f64 = 0.0;
    for c in int_part.chars() {
        m = m * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        m += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let e: i32 = match exponent {
        Some(e) => {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            e.parse::<i64>().ok()?.clamp(-10_000, 10_000) as i32
        }
        None => 0,
    };
    Some(Value::Real(m * pow2(e)))
}

/// `2f64.powi(e)` computed as the runtime's `__powidf2` computes it (square and multiply,
/// then the reciprocal for a negative `e`), so the result is the same bit for bit without
/// `std`: exactly 2^e for |e| <= 1023, infinity above, 0 below.
fn pow2(e: i32) -> f64 {
    let mut a = 2.0_f64;
    let mut b = e;
    let mut r = 1.0_f64;
    loop {
        if b & 1 != 0 {
            r *= a;
        }
        b /= 2;
        if b == 0 {
            break;
        }
        a *= a;
    }
    if e < 0 {
        1.0 / r
    } else {
        r
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    /// `pow2` is `std`'s `powi` bit for bit over every exponent a hex float can give.
    #[test]
    fn pow2_is_powi() {
        for e in -10_000..=10_000 {
            assert_eq!(pow2(e).to_bits(), 2f64.powi(e).to_bits(), "2^{e}");
        }
    }
}
