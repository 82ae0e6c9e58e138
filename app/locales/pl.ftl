# Słowa Heard na ekranach dla młodej osoby, po polsku.
start = Zacznij
next = Dalej
skip = Pomiń to pytanie
send = Wyślij moje odpowiedzi
back = Wstecz
finish = Zakończ
read-aloud = Przeczytaj na głos
no-voice = Ten tablet nie ma głosu w języku { $language }, więc nie może tego przeczytać na głos.
languages = Język
welcome-lead = Chcemy wiedzieć, co myślisz.
welcome-no-name = Nie zapytamy cię o imię.
welcome-skip = Możesz pominąć każde pytanie.
welcome-workers = Twoje odpowiedzi przeczytają osoby, które pomagają młodym ludziom.
welcome-heads = Dyrektorzy szkół zobaczą tylko sumy i kilka twoich słów, bez imion.
welcome-safety = Jeśli powiesz nam coś, przez co będziemy martwić się o twoje bezpieczeństwo, możemy powiedzieć o tym komuś, kto może pomóc.
question-of = Pytanie { $number } z { $total }
hint-text = Napisz tyle, ile chcesz.
hint-several = Wybierz wszystkie, które pasują.
say-several = Wybierz wszystkie, które pasują:
say-one = Wybierz jedną odpowiedź:
ready = Gotowe do wysłania?
ready-title = Gotowe do wysłania
answered = Udzielono odpowiedzi na { $answered } z { $total ->
        [one] { $total } pytania
       *[other] { $total } pytań
    }.
ready-press = Naciśnij przycisk, aby wysłać odpowiedzi. Możesz najpierw wrócić i je zmienić.
ready-say = Naciśnij Wyślij moje odpowiedzi albo wróć, żeby je zmienić.
sending = Wysyłanie odpowiedzi…
sending-title = Wysyłanie
sending-say = Wysyłanie odpowiedzi.
thanks = Dziękujemy
sent = Twoje odpowiedzi zostały wysłane.
queued = Twoje odpowiedzi są zapisane na tym tablecie. Zostaną wysłane, gdy tablet znów będzie online.
kept = Twoje odpowiedzi są zapisane na tym tablecie. Pracownik dopilnuje, żeby zostały wysłane.
held = Twoje odpowiedzi zostaną wysłane, gdy tablet znów będzie online. Do tego czasu nie zamykaj tej strony.
receipt-summary = Chcesz, żeby twoje odpowiedzi zostały później usunięte?
receipt-code = To jest twój kod:
receipt-keep = Zapisz go. Daj go pracownikowi, jeśli chcesz usunąć swoje odpowiedzi. Kod nie mówi, kim jesteś.
not-sent = Nie udało się wysłać niektórych odpowiedzi. Wróć, sprawdź je i spróbuj ponownie.
unreadable = Przepraszamy, coś poszło nie tak z tą stroną. Zacznij od nowa.
