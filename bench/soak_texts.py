"""What the soak benchmark's people write, in their own language (en, pt, es, fr): team talk,
help requests, reviewers' comments, the team's answers to them, and the coordinators' answers
and news.

Each text is two sentences drawn from a small bank with a number in it, so most texts are new
to the translation cache (as in a real programme), while some repeat (as people repeat
themselves). Apertium translates them (pt↔es, fr↔es and en↔es directly, the rest via Spanish).
"""

from __future__ import annotations

import random

TALK = {
    "en": ("I uploaded the budget table for the district meeting.",
           "Can we meet on Thursday to finish the second section?",
           "The community assembly approved three of the five projects.",
           "I will send the photos of the public hearing tonight.",
           "We still need the figures from the municipal treasury.",
           "The mayor agreed to present the results at the seminar.",
           "Please read the draft before our call tomorrow.",
           "I changed the timeline because the council meets later."),
    "pt": ("Enviei a tabela do orçamento para a reunião do distrito.",
           "Podemos nos encontrar na quinta para terminar a segunda seção?",
           "A assembleia comunitária aprovou três dos cinco projetos.",
           "Vou mandar as fotos da audiência pública hoje à noite.",
           "Ainda precisamos dos números da tesouraria municipal.",
           "O prefeito aceitou apresentar os resultados no seminário.",
           "Por favor leiam o rascunho antes da nossa chamada de amanhã.",
           "Mudei o cronograma porque o conselho se reúne mais tarde."),
    "es": ("Subí la tabla del presupuesto para la reunión del distrito.",
           "¿Podemos reunirnos el jueves para terminar la segunda sección?",
           "La asamblea comunitaria aprobó tres de los cinco proyectos.",
           "Enviaré las fotos de la audiencia pública esta noche.",
           "Todavía necesitamos las cifras de la tesorería municipal.",
           "El alcalde aceptó presentar los resultados en el seminario.",
           "Por favor lean el borrador antes de nuestra llamada de mañana.",
           "Cambié el calendario porque el consejo se reúne más tarde."),
    "fr": ("J'ai envoyé le tableau du budget pour la réunion du district.",
           "Pouvons-nous nous réunir jeudi pour finir la deuxième section ?",
           "L'assemblée communautaire a approuvé trois des cinq projets.",
           "J'enverrai les photos de l'audience publique ce soir.",
           "Nous avons encore besoin des chiffres du trésor municipal.",
           "Le maire a accepté de présenter les résultats au séminaire.",
           "Merci de lire le brouillon avant notre appel de demain.",
           "J'ai changé le calendrier parce que le conseil se réunit plus tard."),
}
QUESTIONS = {
    "en": ("How do I fill in the budget template for the second task?",
           "Who can help us with the survey of the neighbourhoods?",
           "Can the deadline of our report move by one week?"),
    "pt": ("Como preencho o modelo de orçamento da segunda tarefa?",
           "Quem pode nos ajudar com o inquérito dos bairros?",
           "O prazo do nosso relatório pode mudar uma semana?"),
    "es": ("¿Cómo lleno la plantilla del presupuesto de la segunda tarea?",
           "¿Quién puede ayudarnos con la encuesta de los barrios?",
           "¿Puede cambiar el plazo de nuestro informe una semana?"),
    "fr": ("Comment remplir le modèle de budget de la deuxième tâche ?",
           "Qui peut nous aider avec l'enquête des quartiers ?",
           "Le délai de notre rapport peut-il changer d'une semaine ?"),
}
COMMENTS = {
    "en": ("Section two needs the figures of the last three years.",
           "The methodology is clear, but the sample is too small.",
           "Please add a summary for the municipal council."),
    "pt": ("A seção dois precisa dos números dos últimos três anos.",
           "A metodologia está clara, mas a amostra é pequena demais.",
           "Por favor acrescentem um resumo para o conselho municipal."),
    "es": ("La sección dos necesita las cifras de los últimos tres años.",
           "La metodología es clara, pero la muestra es demasiado pequeña.",
           "Por favor añadan un resumen para el consejo municipal."),
    "fr": ("La section deux a besoin des chiffres des trois dernières années.",
           "La méthodologie est claire, mais l'échantillon est trop petit.",
           "Merci d'ajouter un résumé pour le conseil municipal."),
}
ANSWERS = {
    "en": ("Thank you, we will add it in the next version.",
           "The treasury sends the figures on Monday."),
    "pt": ("Obrigado, vamos acrescentar na próxima versão.",
           "A tesouraria manda os números na segunda-feira."),
    "es": ("Gracias, lo añadiremos en la próxima versión.",
           "La tesorería envía las cifras el lunes."),
    "fr": ("Merci, nous l'ajouterons dans la prochaine version.",
           "Le trésor envoie les chiffres lundi."),
}
HELP_ANSWERS = {
    "en": "The template is in the shared folder; the help desk can call you tomorrow.",
    "pt": "O modelo está na pasta partilhada; a central pode ligar para vocês amanhã.",
    "es": "La plantilla está en la carpeta compartida; la mesa de ayuda puede llamarles mañana.",
    "fr": "Le modèle est dans le dossier partagé ; le service peut vous appeler demain.",
}
NEWS = {
    "en": "The second dissemination seminar is on 15 April at 14:00 UTC. Each team presents its "
          "results in ten minutes; please send your slides to the help desk before 10 April.",
    "pt": "O segundo seminário de disseminação é no dia 15 de abril às 14:00 UTC. Cada equipe "
          "apresenta os seus resultados em dez minutos; enviem os slides até 10 de abril.",
}
READS = ("/tasks", "/team", "/status", "/help", "/tickets", "/nags")


def talk(rng: random.Random, language: str) -> str:
    """A team message: two sentences and a number (a day, a count)."""
    first, second = rng.sample(TALK[language], 2)
    return f"{first} {second} ({rng.randint(2, 28)})"


def question(rng: random.Random, language: str) -> str:
    """A help request's text."""
    return f"{rng.choice(QUESTIONS[language])} ({rng.randint(1, 99)})"


def comment(rng: random.Random, language: str) -> str:
    """A reviewer's comment on a draft."""
    return f"{rng.choice(COMMENTS[language])} ({rng.randint(1, 40)})"


def answer(rng: random.Random, language: str) -> str:
    """A team member's answer to a comment."""
    return rng.choice(ANSWERS[language])
