//! Receipt codes: how a young person can later ask for their own answers to
//! be deleted (the right to erasure for data given as a child) without Heard
//! ever knowing who they are.
//!
//! The code is not stored anywhere: it is read off the random id the tablet
//! (or the server, for a form without JavaScript) made for the submission.
//! Its first 48 bits, written as ten Crockford base-32 characters, are shown
//! on the "thank you" screen; an admin who is given the code finds the one
//! response whose id starts with those bits. With 500,000 responses a
//! made-up code hits one about once in 500 million tries; two responses
//! sharing a code (about 1 chance in 2,000 at that size) is reported, not
//! guessed at.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Crockford's base-32 alphabet: no I, L, O or U, so a code read aloud or
/// copied by hand is hard to get wrong.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Ten characters of five bits hold the 48 bits (the top two are zero).
const LENGTH: usize = 10;

/// A receipt code, such as `1XQ4B-7MZ2K`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Receipt {
    bits: u64,
}

/// Why a typed receipt code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("a receipt code has 10 letters and digits, such as 1XQ4B-7MZ2K; \"{0}\" has {1}")]
    Length(String, usize),
    #[error("\"{0}\" is not a letter or digit a receipt code uses")]
    Character(char),
    #[error("\"{0}\" is not a receipt code: receipt codes start with 0 to 7")]
    OutOfRange(String),
}

impl Receipt {
    /// The receipt of a submission, from its client id (a UUID in any
    /// case). `None` when the id is not a UUID.
    pub fn for_client_id(client_id: &str) -> Option<Receipt> {
        let id = uuid::Uuid::parse_str(client_id).ok()?;
        Some(Receipt {
            bits: (id.as_u128() >> 80) as u64,
        })
    }

    /// Reads a typed code: case, spaces and dashes do not matter, and the
    /// letters people mistake for digits (O, I, L) are read as 0 and 1.
    pub fn parse(typed: &str) -> Result<Receipt, ReceiptError> {
        let mut bits: u64 = 0;
        let mut count = 0;
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let value = ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
                .ok_or(ReceiptError::Character(c))?;
            count += 1;
            if count <= LENGTH {
                bits = (bits << 5) | value as u64;
            }
        }
        if count != LENGTH {
            return Err(ReceiptError::Length(typed.trim().to_owned(), count));
        }
        if bits >> 48 != 0 {
            return Err(ReceiptError::OutOfRange(typed.trim().to_owned()));
        }
        Ok(Receipt { bits })
    }

    /// The lowest and the next-after-highest client id (in Heard's stored
    /// form, lowercase with dashes) this receipt covers: a range an index
    /// answers. Every id starting `xxxxxxxx-xxxx` sorts inside it.
    pub fn client_id_range(&self) -> (String, String) {
        let hex = format!("{:012x}", self.bits);
        let prefix = format!("{}-{}", &hex[..8], &hex[8..]);
        let mut upper = prefix.clone().into_bytes();
        // The character after the last one: `9` becomes `:`, `f` becomes
        // `g`; both sort after every hex digit, so nothing else falls in.
        if let Some(last) = upper.last_mut() {
            *last += 1;
        }
        (prefix, String::from_utf8(upper).unwrap_or_default())
    }
}

impl fmt::Display for Receipt {
    /// Two groups of five, easier to copy: `1XQ4B-7MZ2K`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in 0..LENGTH {
            if i == LENGTH / 2 {
                f.write_str("-")?;
            }
            let shift = 5 * (LENGTH - 1 - i);
            let value = ((self.bits >> shift) & 31) as usize;
            write!(f, "{}", char::from(ALPHABET[value]))?;
        }
        Ok(())
    }
}

/// The response a receipt code leads to, as an admin sees it before and
/// after deleting it: where and when, never what was answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptResponse {
    pub survey_slug: String,
    pub survey_title: String,
    pub round_name: String,
    /// The day it was sent (seconds since the epoch, start of the day).
    pub submitted_on: i64,
    pub answers: i64,
}

/// What a receipt code found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptLookup {
    NotFound,
    /// More than one response has this code (possible, very rarely, with
    /// many responses): Heard will not guess which one is meant.
    Ambiguous(usize),
    Found(ReceiptResponse),
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11";

    #[test]
    fn a_receipt_is_the_first_48_bits_of_the_id_in_crockford_base32() {
        let receipt = Receipt::for_client_id(ID).unwrap();
        // 0x6f1c2a5554b8 = 122,166,393,541,816 in ten five-bit groups.
        assert_eq!(receipt.bits, 0x6f1c_2a55_54b8);
        assert_eq!(receipt.to_string(), "3F3GN-5AN5R");
        assert_eq!(
            Receipt::for_client_id(&ID.to_uppercase()),
            Some(receipt),
            "the id's case does not matter"
        );
        assert_eq!(Receipt::for_client_id("not-a-uuid"), None);
    }

    #[test]
    fn typed_codes_forgive_case_dashes_spaces_and_look_alike_letters() {
        let receipt = Receipt::for_client_id(ID).unwrap();
        for typed in ["3F3GN-5AN5R", "3f3gn 5an5r", " 3F3GN5AN5R ", "3f3gn-5an5r"] {
            assert_eq!(Receipt::parse(typed), Ok(receipt), "{typed}");
        }
        assert_eq!(
            Receipt::parse("1O1O1-I0L00").unwrap().to_string(),
            "10101-10100"
        );
    }

    #[test]
    fn wrong_codes_say_what_is_wrong() {
        assert_eq!(
            Receipt::parse("3F3GN-5AN5"),
            Err(ReceiptError::Length("3F3GN-5AN5".to_owned(), 9))
        );
        assert_eq!(
            Receipt::parse("3F3GN-5AN5U"),
            Err(ReceiptError::Character('U'))
        );
        assert_eq!(
            Receipt::parse("ZZZZZ-ZZZZZ"),
            Err(ReceiptError::OutOfRange("ZZZZZ-ZZZZZ".to_owned()))
        );
        assert!(
            Receipt::parse("3F3GN-5AN5R-X").is_err(),
            "an extra character is refused"
        );
    }

    #[test]
    fn the_range_holds_exactly_the_ids_that_start_with_the_receipt() {
        let (low, high) = Receipt::for_client_id(ID).unwrap().client_id_range();
        assert_eq!(low, "6f1c2a55-54b8");
        assert_eq!(high, "6f1c2a55-54b9");
        assert!(low.as_str() <= ID && ID < high.as_str());
        for other in [
            "6f1c2a55-54b7-ffff-9d0c-8d0f6f4e2c11",
            "6f1c2a55-54b9-0000-9d0c-8d0f6f4e2c11",
        ] {
            assert!(!(low.as_str() <= other && other < high.as_str()), "{other}");
        }
        let (_, high) = Receipt::parse("00000-0000Z").unwrap().client_id_range();
        assert_eq!(
            high, "00000000-001g",
            "after f comes g, past every hex digit"
        );
    }
}
