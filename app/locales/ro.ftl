# Cuvintele Heard pe ecranele pentru tineri, în română.
start = Începe
next = Mai departe
skip = Sari peste această întrebare
send = Trimite răspunsurile mele
back = Înapoi
finish = Termină
read-aloud = Citește cu voce tare
no-voice = Această tabletă nu are o voce pentru { $language }, așa că nu poate citi asta cu voce tare.
languages = Limba
welcome-lead = Vrem să știm ce crezi.
welcome-no-name = Nu te vom întreba cum te numești.
welcome-skip = Poți sări peste orice întrebare.
welcome-workers = Răspunsurile tale vor fi citite de persoane care îi ajută pe tineri.
welcome-heads = Directorii vor vedea doar totaluri și câteva dintre cuvintele tale, fără nume.
welcome-safety = Dacă ne spui ceva care ne face să ne îngrijorăm pentru siguranța ta, s-ar putea să spunem cuiva care te poate ajuta.
question-of = Întrebarea { $number } din { $total }
hint-text = Scrie cât de mult sau cât de puțin vrei.
hint-several = Alege tot ce se potrivește.
say-several = Alege tot ce se potrivește:
say-one = Alege una:
ready = Gata de trimis?
ready-title = Gata de trimis
answered = Ai răspuns la { $answered } din { $total ->
        [one] { $total } întrebare
        [few] { $total } întrebări
       *[other] { $total } de întrebări
    }.
ready-press = Apasă butonul ca să trimiți răspunsurile. Poți să te întorci mai întâi ca să le schimbi.
ready-say = Apasă Trimite răspunsurile mele sau întoarce-te ca să le schimbi.
sending = Se trimit răspunsurile…
sending-title = Se trimite
sending-say = Se trimit răspunsurile.
thanks = Mulțumim
sent = Răspunsurile tale au fost trimise.
queued = Răspunsurile tale sunt salvate pe această tabletă. Vor fi trimise când tableta va fi din nou online.
kept = Răspunsurile tale sunt salvate pe această tabletă. Un lucrător se va asigura că sunt trimise.
held = Răspunsurile tale vor fi trimise când tableta va fi din nou online. Te rugăm să lași pagina deschisă până atunci.
receipt-summary = Vrei ca răspunsurile tale să fie șterse mai târziu?
receipt-code = Acesta este codul tău:
receipt-keep = Notează-l. Dă-l unui lucrător dacă vrei ca răspunsurile tale să fie șterse. Codul nu spune cine ești.
not-sent = Unele răspunsuri nu au putut fi trimise. Întoarce-te, verifică-le și încearcă din nou.
unreadable = Ne pare rău, ceva nu a mers bine cu pagina. Te rugăm să începi din nou.
