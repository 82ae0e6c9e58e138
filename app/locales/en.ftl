# Heard's own words on the young person's screens, in English. Every other
# file here has the same messages. Keep sentences short and plain: many
# readers have dyslexia or read little.
start = Start
next = Next
skip = Skip this question
send = Send my answers
back = Back
finish = Finish
read-aloud = Read aloud
# $language is the language's name in itself (Cymraeg, Polski, ...).
no-voice = This tablet has no voice for { $language }, so it cannot read this aloud.
languages = Language
welcome-lead = We want to know what you think.
welcome-no-name = We will not ask your name.
welcome-skip = You can skip any question.
welcome-workers = Workers who help young people will read your answers.
welcome-heads = Head teachers will only see totals, and a few of your words with names taken out.
welcome-safety = If you tell us something that makes us worried about your safety, we may tell someone who can help.
question-of = Question { $number } of { $total }
hint-text = Write as much or as little as you like.
hint-several = Choose all that fit.
say-several = Choose all that fit:
say-one = Choose one:
ready = Ready to send?
ready-title = Ready to send
answered = You answered { $answered } of { $total ->
        [one] { $total } question
       *[other] { $total } questions
    }.
ready-press = Press the button to send your answers. You can go back to change them first.
ready-say = Press Send my answers, or go back to change them.
sending = Sending your answers…
sending-title = Sending
sending-say = Sending your answers.
thanks = Thank you
sent = Your answers have been sent.
queued = Your answers are saved on this tablet. They will be sent when the tablet is back online.
kept = Your answers are saved on this tablet. A worker will make sure they are sent.
held = Your answers will be sent when the tablet is back online. Please leave this page open until then.
receipt-summary = Want your answers deleted later?
receipt-code = This is your code:
receipt-keep = Write it down. Give it to a worker if you want your answers deleted. The code does not say who you are.
not-sent = Some answers could not be sent. Go back and check them, then try again.
unreadable = Sorry, something went wrong with that page. Please start again.
# The start page, where a young person types the code their worker gave
# them, and the pages a wrong or closed code leads to.
start-title = Have your say
start-lead = Your worker will give you a code. Type it here to start.
start-label = Your code
start-hint = It has 6 letters and numbers, like ACE 347.
start-unknown = We could not find a survey with that code. Check it with your worker.
start-closed = That survey has closed. Ask your worker for a new code.
start-busy = Too many wrong codes have been typed here. Please wait up to 10 minutes, then try again.
start-format = Type the code your worker gave you. It has 6 letters and numbers.
problem-title = There is a problem
not-found-title = We could not find that survey
not-found = The code may be wrong, or the survey may have closed.
type-again = Type your code again
closed-title = This survey has closed
closed = Thank you for wanting to take part. Ask your worker if there is a new one.
back-to-start = Back to the start
staff-log-in = Staff log in
