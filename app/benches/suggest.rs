//! Keyword suggestion speed. Run: `cargo bench -p heard-app --bench suggest`
//!
//! The answers are the 66 free-text answers of the 2024 fixture
//! (../shared/fixtures/voice-of-the-child-2024, copied below), cycled to the
//! size of the Children's Commissioner's Big Ask (557,077 answers). The
//! codebook is the seed report's themes with everyday keywords, not tuned
//! to these answers.

use criterion::{Criterion, criterion_group, criterion_main};
use heard_app::domain::suggest::Suggester;
use heard_app::domain::survey::Theme;
use std::hint::black_box;

const BIG_ASK: usize = 557_077;

const ANSWERS: &[&str] = &[
    "Nothing. They hated me.",
    "If they actually listened to me instead of shouting",
    "Teachers in mainstream should be more understanding of the real world. They are too disconnected from their emotions.",
    "Got me help with my dyslexia",
    "Get the right support earlier.",
    "Nothing really, they just sent me home",
    "Talk to me like a normal person",
    "Listen to us and trust us",
    "Someone to talk to when things were bad at home",
    "1:1 support in lessons",
    "Let me do a different course",
    "More help with apprenticeships.",
    "Not put me in isolation all the time, ask me what was wrong",
    "teachers should actually listen to me",
    "Be more polite and talk to me better rather than shouting all the time.",
    "Counselling like they promised",
    "Different schools to choose from",
    "Someone to talk to when Im angry, emotional support",
    "I want a voice in decisions that include me and for people to ask why I am acting this way.",
    "more practical subjects like mechanics and construction",
    "Have a proper relationship with staff, have a conversation",
    "The counselling and anger management they promised",
    "Let me go to college part time",
    "Treat us with respect and dont judge us",
    "help with my reading and memory",
    "Better options than just getting kicked out, like a new school",
    "a key worker who checks in every day",
    "Feel like I belong there not like they want rid of me",
    "Teachers expect me to do something wrong so no point.",
    "nothing",
];

fn codebook() -> Vec<Theme> {
    let theme = |name: &str, keywords: &[&str]| Theme {
        name: name.into(),
        description: String::new(),
        keywords: keywords.iter().map(|k| k.to_string()).collect(),
        ..Theme::default()
    };
    vec![
        theme(
            "Connect and belong",
            &[
                "listen",
                "trust",
                "belong",
                "relationship",
                "respect",
                "understand",
                "talk to me",
                "voice",
                "judge",
                "care",
                "conversation",
                "polite",
            ],
        ),
        theme(
            "Help and support",
            &[
                "help",
                "support",
                "one to one",
                "1:1",
                "counselling",
                "mentor",
                "key worker",
                "anger management",
                "dyslexia",
                "someone to talk to",
                "earlier",
                "TA",
            ],
        ),
        theme(
            "More or better options",
            &[
                "college",
                "course",
                "apprenticeship",
                "options",
                "choose",
                "subjects",
                "new school",
                "part time",
                "practical",
                "different school",
            ],
        ),
        theme("Nothing", &["nothing", "no point", "nothin"]),
    ]
}

fn suggestions(c: &mut Criterion) {
    let suggester = Suggester::new(&codebook());
    c.bench_function("one answer", |b| {
        b.iter(|| {
            suggester.suggest(black_box(
                "Someone to talk to when Im angry, emotional support",
            ))
        })
    });
    let answers: Vec<&str> = ANSWERS.iter().copied().cycle().take(BIG_ASK).collect();
    let mut group = c.benchmark_group("big ask");
    group.sample_size(10);
    group.bench_function("557,077 answers, all cores", |b| {
        b.iter(|| suggester.suggest_many(black_box(&answers)))
    });
    group.finish();
}

criterion_group!(benches, suggestions);
criterion_main!(benches);
