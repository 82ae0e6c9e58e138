//! Join codes: what a young person types to reach a round's survey.
//!
//! Six characters from an alphabet with no look-alikes (no 0/O/D/Q, 1/I/L,
//! 2/Z, 5/S, 8/B, U/V), so a code read off a whiteboard is typed right.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The characters a join code is made of.
pub const ALPHABET: &[u8] = b"ACEFGHJKMNPRTWXY34679";
/// How many characters a join code has.
pub const LENGTH: usize = 6;

/// A well-formed join code, in upper case without spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct JoinCode(String);

/// Why typed text is not a join code. The message is for a young person.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinCodeError {
    #[error("Type the code your worker gave you. It has 6 letters and numbers.")]
    Empty,
    #[error("The code should have 6 letters and numbers. Check it and try again.")]
    WrongLength,
    #[error("That code has a letter or number that codes never use. Check it and try again.")]
    UnusedCharacter,
}

impl JoinCode {
    /// Reads a code as typed: any case, spaces and dashes ignored.
    pub fn parse(typed: &str) -> Result<JoinCode, JoinCodeError> {
        let code: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.is_empty() {
            return Err(JoinCodeError::Empty);
        }
        if code.chars().count() != LENGTH {
            return Err(JoinCodeError::WrongLength);
        }
        if !code.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(JoinCodeError::UnusedCharacter);
        }
        Ok(JoinCode(code))
    }

    /// Makes a code from a random number (the caller supplies the randomness,
    /// so this stays pure). The tiny modulo bias of a 64-bit number spread
    /// over 21^6 codes does not matter for a code that is not a secret key.
    pub fn from_random(mut random: u64) -> JoinCode {
        let base = ALPHABET.len() as u64;
        let mut code = String::with_capacity(LENGTH);
        for _ in 0..LENGTH {
            code.push(char::from(ALPHABET[(random % base) as usize]));
            random /= base;
        }
        JoinCode(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_typed_in_lower_case_with_spaces_is_accepted() {
        assert_eq!(
            JoinCode::parse(" ace 3-47 ").map(|c| c.to_string()),
            Ok("ACE347".into())
        );
    }

    #[test]
    fn look_alike_characters_never_appear_in_the_alphabet() {
        for c in b"0O1IL2Z5S8BDQUV" {
            assert!(!ALPHABET.contains(c), "{} is a look-alike", char::from(*c));
        }
    }

    #[test]
    fn a_code_with_a_zero_is_rejected_as_using_an_unused_character() {
        assert_eq!(
            JoinCode::parse("ACE340"),
            Err(JoinCodeError::UnusedCharacter)
        );
    }

    #[test]
    fn codes_of_the_wrong_length_or_empty_are_rejected() {
        assert_eq!(JoinCode::parse("ACE34"), Err(JoinCodeError::WrongLength));
        assert_eq!(JoinCode::parse("ACE3477"), Err(JoinCodeError::WrongLength));
        assert_eq!(JoinCode::parse("  "), Err(JoinCodeError::Empty));
    }

    #[test]
    fn random_codes_are_well_formed_and_differ() {
        let a = JoinCode::from_random(0x1234_5678_9abc_def0);
        let b = JoinCode::from_random(0x0fed_cba9_8765_4321);
        assert_ne!(a, b);
        for code in [a, b] {
            assert_eq!(JoinCode::parse(code.as_str()), Ok(code));
        }
    }
}
