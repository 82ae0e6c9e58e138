//! The e-mail that tells a survey's safeguarding lead an answer needs a
//! look: what it says (never the answer, nor the words that flagged it, nor
//! who wrote it: e-mail is copied, forwarded and kept), and when to try
//! again when sending fails.

/// Subject and body of the e-mail for a flag in `round` of `survey`;
/// `link` is where the lead reads it after logging in.
pub fn lead_email(survey: &str, round: &str, link: &str, reminder: bool) -> (String, String) {
    let subject = if reminder {
        "Heard: an answer still needs a look".to_owned()
    } else {
        "Heard: an answer needs a look".to_owned()
    };
    let opening = if reminder {
        "An answer flagged earlier has not been marked as handled yet."
    } else {
        "A young person's answer has words that may mean they need help."
    };
    let body = format!(
        "{opening}\n\nSurvey: {survey}\nRound: {round}\n\nPlease log in and look at it today:\n{link}\n\n\
         This e-mail holds no answers, for the young person's privacy. You get it because you are \
         the safeguarding lead for this survey.\n"
    );
    (subject, body)
}

/// Seconds to wait before trying again after `attempts` failed sends:
/// 10 s, 30 s, 1 min, 2 min, then every 5 minutes.
pub fn retry_delay(attempts: i64) -> i64 {
    match attempts {
        ..=1 => 10,
        2 => 30,
        3 => 60,
        4 => 120,
        _ => 300,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_names_the_survey_and_round_and_links_to_the_list() {
        let (subject, body) = lead_email(
            "Your voice",
            "Summer 2024",
            "https://heard.example.org/needs-a-look",
            false,
        );
        assert_eq!(subject, "Heard: an answer needs a look");
        assert!(body.contains("Your voice") && body.contains("Summer 2024"));
        assert!(body.contains("https://heard.example.org/needs-a-look"));
        let (subject, _) = lead_email("S", "R", "L", true);
        assert!(subject.contains("still"));
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        assert_eq!(retry_delay(1), 10);
        assert_eq!(retry_delay(3), 60);
        assert_eq!(retry_delay(40), 300);
    }
}
