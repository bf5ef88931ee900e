"""Demo content for `flask crowdspirit seed-demo`: organisations, people, projects and ideas."""

import io
import random
from collections import Counter
from datetime import date, timedelta

from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from . import clock, events
from .accounts import charter
from .accounts import services as accounts
from .accounts.models import Organisation, User
from .audit.models import AuditEvent
from .contests import services as contests
from .contests.models import Entry
from .database import utcnow
from .extensions import db
from .forum import moderation
from .forum import services as forum
from .forum.models import Flag, Post, Thread
from .karma import maintenance as karma_maintenance
from .karma import rules as karma_rules
from .karma import services as karma
from .karma.models import KarmaEvent, Referral
from .notifications.models import Notification
from .pipeline import services as pipeline
from .pipeline.models import Idea, Stage, StageTransition, Vote
from .projects import nda
from .projects import schedule as stage_schedule
from .projects import services as projects
from .projects.models import (
    Decider,
    JoinRequest,
    MemberRole,
    NdaAcceptance,
    NdaVersion,
    Project,
    ProjectMembership,
    Visibility,
)
from .rnd import services as rnd
from .rnd.models import Decision, Interest, IpArrangement, Milestone, Partnership, StatusUpdate
from .specs import services as specs
from .specs.models import Amendment, SpecApproval, SpecRevision

DEMO_PASSWORD = "crowdspirit-demo"

ORGANISATIONS = [
    ("helios", "Helios Audio", "Consumer audio maker looking for its next portable device."),
    ("veloce", "Veloce Mobility", "Urban mobility company exploring the bike of the future."),
    ("domia", "Domia Labs", "Smart-home lab of a large appliance group."),
]

#: the administrator of each organisation's team (the others are its members)
TEAM_ADMINS = {"sponsor", "victor", "dora"}
# (email local part, display name, profile kind, skills, organisation slug, moderator, admin)
PEOPLE = [
    ("admin", "Ada Admin", "expert", "operations", None, False, True),
    ("moderator", "Maud Moderator", "professional", "community management", None, True, False),
    ("sponsor", "Sam Sponsor", "professional", "product management", "helios", False, False),
    ("hana", "Hana Helios", "expert", "acoustics, DSP", "helios", False, False),
    ("victor", "Victor Veloce", "professional", "mechanical design", "veloce", False, False),
    ("dora", "Dora Domia", "professional", "IoT, firmware", "domia", False, False),
    ("member", "Mia Member", "amateur", "soldering, 3D printing", None, False, False),
    ("leo", "Léo Lambert", "student", "embedded C, PCB design", None, False, False),
    ("chloe", "Chloé Dubois", "professional", "industrial design", None, False, False),
    ("omar", "Omar Haddad", "expert", "batteries, power electronics", None, False, False),
    ("yuki", "Yuki Tanaka", "student", "UX research", None, False, False),
    ("paul", "Paul Martin", "amateur", "cycling, repairs", None, False, False),
    ("ines", "Inès Moreau", "professional", "marketing", None, False, False),
    ("tom", "Tom Becker", "amateur", "home automation", None, False, False),
    ("sara", "Sara Rossi", "expert", "materials science", None, False, False),
    ("nina", "Nina Petrova", "student", "android development", None, False, False),
    ("karim", "Karim Benali", "professional", "supply chain", None, False, False),
]

# (owner, title, summary, sponsored, decider, threshold)
PROJECTS = [
    ("sponsor", "Portable audio of 2030", "Helios asks the community what the next pocket audio "
     "device should be.", True, Decider.SPONSOR, 5),
    ("victor", "The bike of the future", "Veloce and the community reinvent urban cycling, "
     "from frames to connected locks.", True, Decider.VETO, 6),
    ("dora", "Calm smart home", "Domia looks for home devices that help rather than nag.",
     True, Decider.SHORTLIST, 5),
    ("leo", "Open-source e-reader", "A repairable e-ink reader with open firmware, carried by "
     "its community.", False, Decider.COMMUNITY, 4),
    ("chloe", "Modular kitchen tools", "Kitchen tools that share one motor base.", False,
     Decider.COMMUNITY, 4),
    ("omar", "Solar power bank kit", "A DIY kit for a solar power bank that lasts ten years.",
     False, Decider.MODERATOR, 3),
]

#: the members who write in French (their ideas, specifications and posts are in French)
FRENCH_SPEAKERS = {"leo", "chloe", "paul", "ines", "karim", "moderator"}

# Each project's ideas, in the order STAGE_PLAN gives them their stages: (author, title, summary, body, tags). The
# French-speaking members write in French.
IDEAS = {
    "Portable audio of 2030": [
        ("leo", "Écouteurs à conduction osseuse",
         "Écouter un podcast à vélo sans se couper de la rue : le son passe par les pommettes, les oreilles restent "
         "libres.",
         "Je roule tous les jours à Lyon et je ne mets plus d'intra-auriculaires : trop dangereux. Les modèles à "
         "conduction osseuse existent, mais ils grésillent dès qu'on monte le volume et leur batterie est collée.\n\n"
         "- un arceau fin qui passe sous un casque de vélo\n- une batterie remplaçable, d'un format courant\n"
         "- un vrai bouton de volume, pas des tapotements", "audio, wearable, mobility"),
        ("sara", "Pocket hi-fi DAC",
         "A matchbox-sized USB-C DAC and headphone amp, for people who already own headphones worth keeping.",
         "Phones dropped the jack and their dongles are merely fine. A small DAC with a real volume wheel, an "
         "aluminium shell and no app would please anyone with good wired headphones.\n\n- drives 300-ohm headphones\n"
         "- no battery: powered by the phone\n- a balanced 4.4 mm output as an option", "audio"),
        ("dora", "Shared listening puck",
         "A coin-sized hub that streams the same track to four pairs of headphones, in sync, each with its own volume.",
         "On trains my kids fight over one pair of earbuds. The puck pairs with up to four headsets and keeps them in "
         "sync to the millisecond.\n\nIt clips on a bag strap and charges from any USB-C cable.", "audio, kids"),
        ("ines", "Casque réparable",
         "Un casque dont on change soi-même coussinets, câble, arceau et batterie, avec des pièces vendues dix ans.",
         "Mon dernier casque a fini à la poubelle pour une charnière en plastique cassée. Ici, tout se démonte au "
         "tournevis cruciforme, chaque pièce porte sa référence imprimée à l'intérieur, et la marque s'engage à vendre "
         "les pièces pendant dix ans.\n\nArgument de vente tout trouvé : l'indice de réparabilité affiché en magasin.",
         "audio, repairable"),
        ("hana", "Lossless walkie-talkie",
         "Two handsets that talk over a local radio link in CD quality: for hikers, film crews and kids in the garden.",
         "Consumer walkie-talkies still sound like 1985. A modern codec on a 2.4 GHz link carries full-band voice, "
         "even music, up to 800 m outdoors without any network.\n\nOpen question: push-to-talk or full duplex?",
         "audio, outdoor"),
        ("yuki", "Swim-proof player",
         "A clip-on player that survives a 2 km swim, with three buttons you can find through swimming gloves.",
         "In our interviews every club swimmer had drowned at least one 'waterproof' player. They want no screen, "
         "three big buttons, 8 GB of storage and a charging cradle with no open port.\n\nBone conduction is the "
         "obvious output; the hard part is the seal.", "audio, wearable, outdoor"),
        ("moderator", "Bouchons de sommeil à bruit blanc",
         "Des écouteurs plats pour dormir sur le côté, qui diffusent un bruit blanc toute la nuit et laissent passer "
         "le réveil.",
         "Beaucoup d'entre nous travaillent de nuit ou vivent au-dessus d'un bar. Les bouchons en mousse isolent, mais "
         "on n'entend plus le réveil.\n\n- silicone souple, assez plat pour dormir sur le côté\n"
         "- bruit blanc, rose ou pluie, choisi avant de se coucher\n- le réveil passe quand même", "audio, wearable"),
        ("chloe", "Molette façon vinyle",
         "Une molette crantée qui donne au passage d'un morceau à l'autre la sensation d'un disque qu'on pousse du "
         "doigt.",
         "Un cran par morceau, un léger frein à la fin de l'album, et une matière agréable sous le pouce. Les écrans "
         "tactiles ont fait disparaître ce plaisir-là.", "audio"),
        ("nina", "Kids' safe player",
         "A player for six-year-olds: volume capped at 85 dB, no internet, and a card to tap for each album or story.",
         "My niece listens to music on a tablet and always ends up in video apps. A sturdy player where you tap an NFC "
         "card to play an album, with a hard volume limit and no browser, is a gift parents would buy twice.\n\n"
         "Cards are written from a computer with an open tool.", "audio, kids, safety"),
        ("member", "Solar radio speaker",
         "An FM and DAB+ speaker with a solar top and a hand crank: news and music when the power is out.",
         "After last winter's storm we had no power for three days, and our only news came from the car radio. A "
         "small speaker with DAB+, a solar panel on top, a crank and a USB port to top up a phone.\n\n"
         "- IPX4, hangs from a tent or a window\n- 20 hours of playback on a full charge", "audio, energy, outdoor"),
        ("tom", "Podcast clip button",
         "A long press on the earbud saves the last 30 seconds of a podcast as a clip, with its transcript.",
         "I listen while cycling and always lose the sentence I wanted to remember. One long press marks it; the phone "
         "keeps 30 seconds of audio and the transcript in my notes.\n\nIt would work with any podcast app through "
         "the phone's media controls.", "audio, wearable"),
    ],
    "The bike of the future": [
        ("leo", "Cadre avec antivol intégré",
         "Un antivol en U qui se range dans le tube du cadre : impossible de l'oublier, et il ne fait aucun bruit.",
         "Un antivol en U pèse un kilo et finit au fond du sac à dos. Ici, le tube supérieur, un peu plus gros, sert "
         "de fourreau ; l'antivol se verrouille avec la même clé que la batterie.\n\nLe cadre reste réparable : "
         "l'antivol se remplace sans toucher au reste.", "mobility, safety, repairable"),
        ("sara", "Regenerative brake hub",
         "A rear hub that recovers braking energy on city descents and gives it back at the next green light.",
         "Stop-and-go riding wastes most of an e-bike's energy. A hub that brakes electrically for the first 70 % of "
         "lever travel, then mechanically, could add 10 to 15 % of range in hilly towns.\n\nA magnesium shell would "
         "keep the weight down.", "mobility, energy"),
        ("dora", "Puncture-proof urban tyre",
         "An airless tyre with a honeycomb core that rides like a tube at 4 bar and never goes flat on broken glass.",
         "Flats are the first reason people give up cycling to work. Airless tyres exist but ride harshly. A TPU "
         "honeycomb tuned for riders of 50 to 90 kg, in 700x35 and 28x1.75, would make commuting boring in the best "
         "way.", "mobility, safety"),
        ("ines", "Caisse cargo pliable",
         "Une caisse de 60 litres qui se fixe au porte-bagages et se replie à plat en trois secondes quand elle est "
         "vide.",
         "Pour les courses de la semaine, un vélo cargo c'est trop, un panier c'est trop petit. Une caisse en "
         "polypropylène recyclé, pliable, verrouillable, avec un couvercle étanche.\n\nPour les familles en ville "
         "qui n'ont pas de garage.", "mobility"),
        ("hana", "Turn signals in the gloves",
         "Gloves with LED arrows on the back: raise your arm to turn and drivers see a blinking orange arrow at night.",
         "Hand signals are invisible after dark. A motion sensor in the cuff notices the arm held out sideways and "
         "blinks the arrow on the back of the hand.\n\nThe battery sits in the cuff, charges over USB-C and comes "
         "out for washing.", "mobility, safety, wearable"),
        ("yuki", "Theft tracker in the seatpost",
         "A GPS tracker hidden inside the seatpost, invisible to thieves, with a battery that lasts a year.",
         "In our survey of 120 commuters, one in four had had a bike stolen, and none got it back. A tracker inside "
         "the seatpost cannot be seen or pulled off in a hurry.\n\n- wakes up only when the bike moves\n"
         "- alerts the owner's phone\n- shares its position with the police on request", "mobility, safety"),
        ("moderator", "Siège enfant modulaire",
         "Un siège enfant qui grandit avec l'enfant : coque pour bébé à 9 mois, simple selle avec repose-pieds à "
         "5 ans.",
         "On change trois fois de siège entre 9 mois et 6 ans. Une seule base fixée au cadre, et des modules qui se "
         "clipsent selon l'âge.\n\n- fixation centrale, pas sur le porte-bagages\n- harnais réglable d'une main\n"
         "- des modules d'occasion faciles à revendre", "mobility, kids, safety"),
        ("chloe", "Poignées chauffantes sur batterie",
         "Des poignées chauffantes alimentées par la batterie du vélo électrique, trois niveaux, pour les trajets "
         "d'hiver.",
         "De décembre à février, j'ai les mains gelées malgré les gants. Les poignées chauffantes existent pour la "
         "moto ; sur un vélo électrique, la batterie est déjà là.\n\nConsommation estimée : 5 W, soit environ 2 km "
         "d'autonomie par heure de chauffe.", "mobility, energy"),
        ("nina", "Auto-adjusting saddle",
         "A saddle that finds its height from your first pedal strokes, so a shared bike fits anyone in five seconds.",
         "Bike-share saddles are always at the wrong height and the quick release is jammed. A gas-spring seatpost "
         "with a small sensor suggests the right height for each rider, then sets it.", "mobility"),
        ("member", "Rain-proof phone mount",
         "A handlebar mount with a clear hood that keeps a phone dry in a downpour, touchscreen still usable.",
         "I navigate with my phone and it shut down twice last autumn from water. The hood is a soft TPU window the "
         "touchscreen reads through, and the charging cable goes in through a sealed grommet.", "mobility, outdoor"),
        ("tom", "Chainless belt drive kit",
         "A sealed carbon belt that replaces the chain: no grease on your trousers, 15,000 km between changes.",
         "A kit to convert an ordinary city bike: a split-frame insert, front and rear pulleys, the belt and a "
         "tensioner. It needs a hub gear.\n\n- no oil, no rust, silent\n- fits frames with 130 or 135 mm dropouts",
         "mobility, repairable"),
    ],
    "Calm smart home": [
        ("karim", "Sonnette silencieuse à lumière",
         "Une sonnette qui allume une lumière douce dans la pièce où l'on se trouve au lieu de sonner : le bébé dort, "
         "le livreur est entendu.",
         "Avec un nouveau-né, chaque coup de sonnette est une catastrophe. Le bouton extérieur prévient de petites "
         "veilleuses branchées dans chaque pièce, qui pulsent doucement.\n\nEn option, un son, mais seulement dans "
         "les pièces choisies.", "iot, kids"),
        ("leo", "Galet d'humidité pour plantes",
         "Un galet à poser dans le pot, qui change de couleur quand la plante a soif ; ni appli ni wifi.",
         "Les capteurs connectés pour plantes demandent une appli et une box. Ici, un galet en céramique avec une "
         "sonde capacitive et une LED : vert, tout va bien ; orange, il faut arroser. Une pile bouton, deux ans "
         "d'autonomie.", "iot, repairable"),
        ("sara", "Air quality lamp",
         "A bedside lamp whose shade turns slightly amber when CO2 rises: a nudge to open the window, never an alarm.",
         "Above 1,200 ppm of CO2 we sleep badly, but nobody checks an air-quality app at night. The lamp has an NDIR "
         "sensor and shifts its colour slowly, so you notice it without being startled.", "iot, energy"),
        ("dora", "Offline voice switch",
         "A light switch that understands ten spoken commands on the device itself: no cloud, no account, no audio "
         "sent anywhere.",
         "Many of our test households refuse voice assistants for privacy reasons. A wall switch with an on-device "
         "keyword model (on, off, dim, scenes) answers in 200 ms and never streams its microphone.",
         "iot, accessibility"),
        ("ines", "Rappel de fenêtre oubliée",
         "Un petit voyant près de la porte d'entrée qui reste rouge tant qu'une fenêtre est ouverte, pour le voir "
         "avant de partir.",
         "Combien de fois suis-je revenue sur mes pas pour vérifier la fenêtre de la salle de bains ? Des capteurs "
         "à aimant sur les fenêtres, et un voyant près de la porte, visible en enfilant son manteau.", "iot, safety"),
        ("hana", "Energy budget display",
         "A kitchen display that shows this month's electricity as a fuel gauge, and which appliance is eating it.",
         "Bills arrive too late to change anything. The display reads the smart meter locally, learns each "
         "appliance's signature and shows one simple gauge: green while the month is on budget.", "iot, energy"),
        ("yuki", "Silent washing-machine alert",
         "A clip-on vibration sensor that tells you when the wash is done: no more wet laundry forgotten overnight.",
         "In shared flats, forgotten laundry is the first cause of arguments (yes, we asked). The sensor sticks to "
         "any machine, notices when the spin stops and sends one quiet notification, or lights a lamp.", "iot"),
        ("moderator", "Prise connectée anti-enfants",
         "Une prise qui ne délivre le courant que lorsqu'une vraie fiche est branchée : ni doigts ni trombones en "
         "danger.",
         "Les cache-prises se perdent et les enfants apprennent vite à les retirer. La prise mesure ce qui est "
         "branché avant de fermer le circuit.", "iot, kids, safety"),
        ("chloe", "Hub caméra 100 % local",
         "Un boîtier qui enregistre les caméras de la maison sur un disque chez soi, sans abonnement ni cloud.",
         "On veut surveiller l'entrée sans que les images partent à l'autre bout du monde. Le hub enregistre en "
         "local, chiffre le disque et ne s'ouvre à distance que par le tunnel que l'on choisit.\n\nEt c'est un objet "
         "qu'on n'a pas honte de poser sur une étagère.", "iot, safety"),
        ("nina", "Sunrise curtain motor",
         "A motor that clips onto existing curtain rails and opens them slowly at alarm time, like a sunrise.",
         "Waking up with daylight beats any ringtone. The motor fits standard rails without drilling, runs on a "
         "battery charged every three months and reads the phone's alarm time over Bluetooth.", "iot, energy"),
    ],
    "Open-source e-reader": [
        ("dora", "Replaceable battery door",
         "The battery sits behind a door with two captive screws: swap it in two minutes when it tires after five "
         "years.",
         "E-readers outlive their glued-in batteries. A standard 2,000 mAh cell in a tray, behind a door held by two "
         "captive screws, would double the life of the device.", "repairable, open-source, energy"),
        ("ines", "Boutons physiques pour tourner les pages",
         "Deux boutons de chaque côté de l'écran pour tourner les pages d'une seule main, même avec des gants.",
         "Lire dans le métro en se tenant à la barre, avec un écran tactile, c'est impossible. Des boutons de chaque "
         "côté, programmables (page suivante, précédente, signet).\n\nC'est ce que les lecteurs regrettent le plus "
         "de leurs anciennes liseuses.", "accessibility"),
        ("hana", "Front light with warm LEDs",
         "A front light that mixes warm and cool LEDs, so you can read at night in candle-coloured light.",
         "Blue-rich light at bedtime keeps people awake. Two rows of LEDs, 2,200 K and 6,500 K, mixed by the time of "
         "day, with a manual slider for those who know better.", "energy"),
        ("yuki", "Open bootloader",
         "The reader ships with an unlocked, documented bootloader, so anyone can install the community's firmware.",
         "The whole point of this project is that the device is ours. A documented boot process, a recovery mode "
         "that cannot be bricked, and signed official images for those who want them.", "open-source"),
        ("moderator", "Stylet de prise de notes",
         "Un stylet passif pour annoter les marges et surligner, sans pile ni appairage.",
         "Beaucoup d'étudiants impriment encore leurs PDF pour les annoter. Un écran avec une couche à induction et "
         "un stylet passif : on écrit dans la marge, et les notes s'exportent en texte ou en PDF.",
         "accessibility, open-source"),
        ("chloe", "Synchronisation avec les bibliothèques",
         "Emprunter un livre numérique à la médiathèque depuis la liseuse, et le rendre d'un geste.",
         "Aujourd'hui, le prêt numérique en bibliothèque passe par trois logiciels et un compte chez un éditeur de "
         "logiciels. On propose une intégration directe, testée d'abord avec quelques réseaux de médiathèques.",
         "open-source"),
        ("nina", "Braille-friendly case",
         "A case with tactile markers and braille labels on the buttons, so blind readers can use text-to-speech "
         "alone.",
         "Text-to-speech makes an e-reader useful to blind readers, if they can find the buttons. Raised dots on the "
         "case, a distinct shape for each button, and a spoken menu at start-up.", "accessibility"),
        ("member", "Solar cover",
         "A folio cover with a thin solar cell that keeps the reader charged for a whole holiday.",
         "An e-reader uses so little power that a cover-sized solar cell could run it indefinitely on a sunny beach. "
         "One less charger in the suitcase.", "energy, outdoor"),
        ("tom", "Dyslexia-friendly fonts",
         "Fonts and spacing presets designed for dyslexic readers, one tap away in the reading menu.",
         "My son reads twice as fast with OpenDyslexic and wide line spacing. Presets of font, letter spacing and "
         "line length, chosen with speech therapists, easy to switch for each book.", "accessibility, kids"),
        ("victor", "Offline dictionary pack",
         "Free dictionaries in ten languages on the device: long-press a word for its meaning, no connection needed.",
         "People reading in a foreign language need a dictionary most where there is no network: planes, trains, "
         "holidays. Packs built from Wiktionary, updated twice a year.", "accessibility, open-source"),
    ],
    "Modular kitchen tools": [
        ("member", "Shared motor base",
         "One 800 W motor base that drives the blender, mill, juicer and mixer heads: one motor instead of four in "
         "the cupboard.",
         "My cupboard holds four appliances with four motors and four cables. One base with a standard coupling, and "
         "heads that lock onto it.\n\n- the motor guaranteed for ten years\n- the coupling documented, so others "
         "can make heads", "kitchen, repairable"),
        ("tom", "Dishwasher-safe blender jar",
         "A glass jar whose blades unscrew from the bottom, so both go in the dishwasher without ruining the seal.",
         "Blender jars die of the seal under the blades. Make the blade unit removable with a bayonet, and the seal a "
         "cheap part you replace.", "kitchen, repairable"),
        ("victor", "Spiralizer head",
         "A spiralizer head for the motor base: courgette noodles in ten seconds, three blade widths.",
         "Hand spiralizers are slow and waste half the vegetable. A motorised head with a pusher, and three blades "
         "that store inside it.", "kitchen"),
        ("paul", "Moulin à céréales",
         "Un moulin à meules de pierre qui se fixe sur le socle : de la farine fraîche à la maison, de la plus fine "
         "à la semoule.",
         "Je fais mon pain depuis dix ans, et une farine fraîchement moulue change tout. Des meules en corindon, une "
         "bague pour régler la finesse, une trémie d'un kilo.\n\nImportant : le moulin ne doit pas chauffer la "
         "farine, donc tourner lentement.", "kitchen"),
        ("sponsor", "Dough hook arm",
         "A dough hook arm for the base that kneads a kilo of bread dough without walking across the worktop.",
         "Kneading is where weak kitchen machines fail. A planetary arm and a bowl that locks onto the base, rated "
         "for a kilo of stiff dough.", "kitchen"),
        ("omar", "Juicer module",
         "A slow-press juicer head, 60 turns a minute, that keeps the juice cold and the pulp dry.",
         "Centrifugal juicers heat and froth the juice. A slow auger driven by the base's gearbox, with a strainer "
         "that rinses under the tap in one piece.", "kitchen"),
        ("karim", "Disque pilé-glace",
         "Un disque qui transforme des glaçons en glace pilée en quelques secondes, pour les granités et les "
         "cocktails.",
         "L'été, on casse les glaçons au rouleau à pâtisserie dans un torchon. Un disque en inox trempé qui se monte "
         "dans le bol du blender, et un mode impulsion.", "kitchen"),
        ("leo", "Tête moulin à café",
         "Une tête moulin à café à meules coniques pour le socle, réglable de l'espresso à la cafetière à piston.",
         "Un bon moulin à meules coûte cher, et le socle a déjà le moteur. Des meules coniques en acier, quarante "
         "crans de réglage, et un bac qui se vide sans en mettre partout.", "kitchen"),
        ("sara", "Pasta extruder",
         "A pasta extruder head with bronze dies: fresh rigatoni and spaghetti from flour and water in ten minutes.",
         "Bronze dies give pasta the rough surface that holds the sauce. The head mixes, then extrudes; six dies to "
         "start with, and a cutter.", "kitchen"),
        ("dora", "Sous-vide stick",
         "A sous-vide stick that clips on any pot and takes its power and controls from the motor base.",
         "Sous-vide is the easiest way to cook meat and fish just right. The stick holds the water within 0.1 °C; the "
         "base carries the controls, so the stick stays simple and cheap.", "kitchen, energy"),
    ],
    "Solar power bank kit": [
        ("dora", "Swappable 18650 cells",
         "Cells in a tool-free cradle: replace the one tired 18650 instead of throwing the whole power bank away.",
         "Power banks die when one cell dies. Four standard 18650 cells in spring holders, each with its own "
         "protection and a health LED.", "energy, repairable"),
        ("ines", "Panneaux pliables en ailes",
         "Deux panneaux solaires qui se déplient comme des ailes de part et d'autre de la batterie : 20 W en tout.",
         "Un seul petit panneau sur la batterie, c'est 3 W : presque rien. Deux ailes en toile enduite avec des "
         "cellules monocristallines, qui se replient sur la coque et tiennent seules face au soleil.",
         "energy, outdoor"),
        ("hana", "USB-C PD board",
         "An open-hardware USB-C Power Delivery board, 60 W in and out, so the kit can charge a laptop.",
         "Most DIY kits stop at 5 V and 2 A. A Power Delivery board with published schematics, 20 V out, and "
         "pass-through charging from the panel.", "energy, open-source"),
        ("yuki", "Charge-level e-ink gauge",
         "A small e-ink display showing the charge, the solar input and the hours left, using no power when idle.",
         "Four LEDs won't tell you whether you will make it through the weekend. E-ink keeps its image without "
         "power: watts in, watts out, hours left.", "energy"),
        ("moderator", "Boîtier étanche",
         "Un boîtier IP67 qu'on visse et dévisse autant qu'on veut, sans colle, avec un joint qui se remplace.",
         "Les kits finissent souvent dans une boîte à chaussures. Un boîtier en polycarbonate recyclé, des vis inox, "
         "un joint torique standard : on peut le laisser sous la pluie, puis l'ouvrir pour changer une cellule.\n\n"
         "Il doit aussi pouvoir servir de socle à une lampe.", "energy, outdoor, repairable"),
        ("chloe", "Support vélo",
         "Un support qui fixe la batterie sur le cadre pour recharger téléphone et éclairage pendant les voyages à "
         "vélo.",
         "En voyage à vélo, on recharge tout au camping. Un support sur les inserts du porte-bidon, un câble vers "
         "la potence, et le panneau sur la sacoche arrière.", "energy, mobility, outdoor"),
        ("nina", "Kit assembly video guide",
         "Short step-by-step videos for each stage of the kit, subtitled in five languages, with a check at each step.",
         "Kits get abandoned at the soldering step. Two-minute videos, a QR code printed for each step, and a "
         "multimeter check to pass before moving on.", "energy, accessibility"),
        ("member", "Cell health checker",
         "A button that measures each cell's internal resistance and tells you which one to replace.",
         "When the bank's capacity drops, which cell is to blame? The board can measure each cell under load and "
         "blink the LED of the weak one.", "energy, repairable"),
        ("tom", "Lamp add-on for camping",
         "A clip-on LED lamp powered by the bank: a tent light, a reading light, or a lantern hung from a branch.",
         "A 3 W warm LED with a diffuser and a hook, plugged into the bank's USB port. Three levels, and a red mode "
         "that doesn't dazzle the neighbours.", "energy, outdoor"),
    ],
}

# The stage each idea of a project ends in, cycled (every stage appears in every project).
STAGE_PLAN = [Stage.IDEA, Stage.VOTE, Stage.VOTE, Stage.SPEC, Stage.IDEA, Stage.PARTNER_RND,
              Stage.VOTE, Stage.ARCHIVED, Stage.IDEA, Stage.SPEC, Stage.VOTE]


#: who joined through whose invitation link (the referrer earns karma once the invitee is active)
REFERRALS = {"yuki": "leo", "tom": "member", "nina": "member"}


def already_seeded() -> bool:
    """True when the demo organisations exist (seeding twice changes nothing)."""
    return db.session.scalar(select(Organisation).where(Organisation.slug == "helios")) is not None


def _people() -> dict[str, User]:
    """Create the demo organisations and accounts."""
    orgs = {}
    for slug, name, description in ORGANISATIONS:
        orgs[slug] = Organisation(slug=slug, name=name, description=description)
        db.session.add(orgs[slug])
    people = {}
    for local, name, kind, skills, org, moderator, admin in PEOPLE:
        referrer = people.get(REFERRALS.get(local))
        user = accounts.register(f"{local}@demo.crowdspirit.org", name, DEMO_PASSWORD, kind, skills, orgs.get(org),
                                 referral_code=karma.invite_link(referrer).code if referrer else None,
                                 confirmed=True)
        user.is_moderator, user.is_admin = moderator, admin
        user.is_org_admin = local in TEAM_ADMINS
        people[local] = user
    db.session.commit()
    return people


def _language(user) -> str:
    """The language a demo member writes in: "fr" for the French speakers, else "en"."""
    return "fr" if user.email.partition("@")[0] in FRENCH_SPEAKERS else "en"


def _advance(idea, target: Stage, people: dict, rng: random.Random, ready: bool = False) -> None:
    """Walk an idea through the pipeline to target, with votes and spec revisions on the way (a spec left
    `ready` passes the readiness checklist and waits for the R&D partner's decision)."""
    if target == Stage.ARCHIVED:
        pipeline.transition(idea, Stage.ARCHIVED, people["admin"],
                            "Duplicate of an earlier idea; merged into it.")
        return
    electorate = [person for key, person in people.items() if not person.is_admin
                  and not (key == APPLICANT and idea.project.title in CONFIDENTIAL_PROJECTS)]
    if target == Stage.IDEA:
        # a few members support it, two short of its support threshold at least (one more does not open voting)
        for supporter in rng.sample(electorate, k=rng.randint(0, idea.project.support_threshold - 2)):
            pipeline.support(idea, supporter)
        return
    pipeline.transition(idea, Stage.VOTE, people["admin"], "Ready for the community's votes.")
    threshold = idea.project.vote_threshold
    # an idea left open for votes lacks two at least: one more vote (a member trying the demo) does not promote it
    wanted = threshold + rng.randint(0, 4) if target != Stage.VOTE else rng.randint(0, threshold - 2)
    voters = rng.sample(electorate, k=min(wanted, 15))
    for voter in voters:
        if idea.stage == Stage.VOTE:
            pipeline.cast_vote(idea, voter)
    if target == Stage.VOTE:
        return
    if idea.stage == Stage.VOTE:
        pipeline.transition(idea, Stage.SPEC, people["admin"], "Selected for specification.")
    revision, text = specs.current_revision(idea), SPEC_TEXTS[_language(idea.author)]
    specs.save_revision(
        idea, idea.author, revision.number, text["summary"], problem=idea.body, target_users=text["target_users"],
        use_cases=text["use_cases"], features=f"- {text['must']}: {idea.title.lower()}\n{text['should']}",
        constraints=text["constraints"], bom_estimate=text["bom"], target_price=text["price"],
        open_questions=text["questions"])
    if target == Stage.PARTNER_RND or ready:  # settle the last question and gather the approvals the gate asks for
        specs.save_revision(idea, idea.author, revision.number + 1, text["settled"], open_questions=text["answers"])
        for approver in voters[:idea.project.spec_approvals_needed]:
            specs.approve(idea, approver)
    if target == Stage.PARTNER_RND:
        _partner(idea, idea.project.rnd_partner or people["hana"].organisation, people)
    elif idea.project.policy_spec == Visibility.COMMUNITY:  # an open specification attracts an offer
        rnd.express_interest(idea, people["dora"], "Domia Labs would build this into its next product line.",
                             "Two engineers for six months, prototypes and user tests in our lab.", 300_000, "EUR",
                             IpArrangement.LICENCE)


def _partner(idea, org, people) -> None:
    """A sponsor's offer, selected by the idea's author and accepted; then some work in the R&D workspace."""
    team = [p for p in people.values() if p.organisation_id == org.id]
    lead, engineer = team[0], team[-1]
    interest = rnd.express_interest(idea, lead, "Our lab can turn this into a product within a year.",
                                    "We fund tooling, prototypes and certification, then a pilot run of 500 units.",
                                    500_000, "EUR", IpArrangement.ASSIGNMENT)
    rnd.select_interest(interest, idea.author)
    partnership = rnd.accept(interest, lead, "Partner agreed.")
    milestone = rnd.add_milestone(partnership, "Working prototype", engineer.id, date.today() + timedelta(days=60))
    for text in ("Choose the battery supplier", "First PCB revision", "Field test with ten members"):
        rnd.add_task(milestone, text)
    rnd.toggle_task(milestone, milestone.tasks[0].id, engineer)
    rnd.add_milestone(partnership, "Pilot run of 500 units", lead.id, date.today() + timedelta(days=240))
    rnd.record_decision(partnership, engineer, "LiFePO4 cells", "Safer and longer-lived: worth the extra weight.")
    rnd.publish_update(partnership, lead, "A prototype is under way",
                       "Thanks to the community's specification, our lab is building the first prototypes.")


# The Helios project keeps specification and R&D confidential under an NDA (the CEA "bike of the
# future" situation of the field study): member@ signed it, leo@ is a member who has not, paul@ asked
# to join and waits, everyone else sees only the open stages.
#: who asked to join the confidential project and waits: he has taken no part in its ideas (no vote), so their
#: confidential stages answer him as to any outsider (404), not as to a voter who lost sight of them (403)
APPLICANT = "paul"
CONFIDENTIAL_PROJECTS = {"Portable audio of 2030": {"policy_spec": "confidential",
                                                    "policy_partner_rnd": "confidential"}}
#: the projects whose other gates are not the community's (the solar kit's managers open voting, as a jury)
GATE_SETTINGS = {"Solar power bank kit": {"vote_decider": Decider.MODERATOR}}
MEMBERS = {
    "Portable audio of 2030": ["member", "leo", "chloe", "omar", "yuki"],
    "The bike of the future": ["member", "paul", "sara", "karim"],
    "Calm smart home": ["tom", "nina", "ines"],
    "Open-source e-reader": ["member", "nina", "yuki", "karim"],
    "Modular kitchen tools": ["ines", "sara", "paul"],
    "Solar power bank kit": ["member", "tom", "omar"],
}
NDA_TEXT = """## Confidentiality undertaking

1. Everything shown in the specification and partner R&D stages of this project is confidential.
2. You will not disclose it outside the project's members and Helios Audio's team.
3. This undertaking lasts three years from your acceptance."""


def _add_members(project, users) -> None:
    """Make these users contributors of the project (its owner already is its owner)."""
    for user in (u for u in users if u.id != project.owner_id):
        db.session.add(ProjectMembership(project=project, user=user, role=MemberRole.CONTRIBUTOR))
    db.session.commit()


def _confidential_setup(project, people) -> None:
    """Publish the NDA, have some members accept it, and leave a request to join pending."""
    nda.publish(project, project.owner, NDA_TEXT)
    for key in ("member", "chloe", "omar"):
        nda.accept(project, people[key], 1)
    projects.request_to_join(project, people[APPLICANT], "Je répare des casques audio depuis quinze ans : "
                                                         "j'aimerais aider à les rendre réparables.")


# The discussions: per project thread, and per idea (by title), the posts in order as (author, text) or
# (author, text, index of the earlier post it answers, quoted).
PROJECT_TALK = {
    "Portable audio of 2030": [
        ("sponsor", "Welcome! We read every new idea here on Fridays. Tell us what you would really carry in your "
                    "pocket in 2030, not what sounds impressive."),
        ("leo", "Question pour Helios : le firmware des produits issus du projet sera-t-il publié ? Pour moi, c'est "
                "un critère de vote."),
        ("sponsor", "Fair question, Léo. The DSP code stays ours, but the companion app and the update tool would "
                    "be open source.", 1),
        ("yuki", "I can run a diary study with ten listeners next month if the shortlisted ideas need real-life "
                 "feedback."),
    ],
    "The bike of the future": [
        ("victor", "Hello everyone. Veloce will prototype the two ideas with the most votes by the end of the "
                   "quarter; our Lyon workshop is open to members on Thursdays."),
        ("paul", "Je passerai jeudi avec mon vieux vélo de ville : 30 000 km au compteur, un bon banc d'essai pour "
                 "les idées de réparation."),
        ("karim", "Before we go further: are the parts meant to be sourced in Europe? It changes the cost of every "
                  "idea here."),
        ("victor", "In Europe where we can, Karim: frames from Portugal. Electronics are the open question.", 2),
    ],
    "Calm smart home": [
        ("dora", "Our rule for this project: a device earns its place if it makes the home quieter, not if it adds "
                 "one more notification."),
        ("tom", "Love that rule. Can we also agree that nothing here needs a cloud account to work?"),
        ("ines", "D'accord avec Tom. Et tout doit rester utilisable par quelqu'un qui n'a pas de smartphone, comme "
                 "ma grand-mère.", 1),
    ],
    "Open-source e-reader": [
        ("leo", "Bienvenue ! Le dépôt du firmware et les schémas du premier prototype sont publics. Les idées qui "
                "demandent du matériel nouveau passent d'abord au vote."),
        ("nina", "I tried to build the firmware on macOS and got stuck on the toolchain. Is there a container image "
                 "somewhere?"),
        ("leo", "Pas encore : je la publie ce week-end, avec une page de documentation en anglais.", 1),
        ("karim", "I can get quotes for 1,000 e-ink panels from two suppliers, if that helps the cost estimate."),
    ],
    "Modular kitchen tools": [
        ("chloe", "Bonjour à toutes et à tous ! Le principe : un seul moteur, des têtes interchangeables. Proposez "
                  "des têtes ou critiquez le socle, tout est bienvenu."),
        ("sara", "Which material for the coupling? Nylon gears strip after a year of grain milling; I would test "
                 "sintered steel."),
        ("paul", "Acier fritté, oui. J'ai réparé trois robots dont l'entraînement en plastique avait fondu.", 1),
    ],
    "Solar power bank kit": [
        ("omar", "The kit's goal: ten years of service, every part replaceable. If an idea breaks either rule, say "
                 "so in its thread."),
        ("member", "Could we publish the bill of materials as we go? I'd like to order parts and start building "
                   "this winter."),
        ("tom", "+1 for a public BOM. I'll keep a shared spreadsheet with prices from three shops.", 1),
    ],
}
IDEA_TALK = {
    "Écouteurs à conduction osseuse": [
        ("chloe", "Bonne idée. Tu as essayé des modèles existants sous un casque de vélo ? Chez moi, l'arceau "
                  "appuie derrière les oreilles au bout de vingt minutes."),
        ("leo", "C'est exactement le problème : l'arceau touche la coque du casque. D'où l'idée d'un arceau plus "
                "bas, sous la nuque.", 0),
        ("omar", "For the battery, a 100 mAh cell of a standard size would do; I can point to two that sell by the "
                 "thousand."),
        ("member", "I'd buy this. Would it still work for phone calls in the wind?"),
    ],
    "Shared listening puck": [
        ("yuki", "Parents in our interviews asked for exactly this for long car trips. The volume per headset was "
                 "the feature they liked most."),
        ("leo", "Quatre casques Bluetooth synchronisés, c'est là que ça coince. Auracast règle une partie du "
                "problème, non ?"),
        ("hana", "Auracast is the plan, Léo, with a fallback for older headsets. Keeping them within 20 ms of each "
                 "other is doable.", 1),
    ],
    "Podcast clip button": [
        ("member", "I'd use this every day. Could the clip also keep the episode's link and the timestamp?"),
        ("tom", "Yes: link, timestamp and transcript, saved as a Markdown note.", 0),
        ("nina", "On Android the media session gives you the position but not the audio, so the phone would record "
                 "its own output. Doable, but check the podcasts' licences."),
    ],
    "Bouchons de sommeil à bruit blanc": [
        ("ines", "Enfin ! Je dors avec des bouchons en mousse depuis des années et je rate mon réveil une fois par "
                 "mois."),
        ("sara", "Soft silicone around a hard battery is tricky: it needs a very thin cell. Could the battery sit in "
                 "a headband instead?"),
        ("moderator", "Bonne piste, Sara : un bandeau en tissu pour la batterie, des écouteurs sans rien dedans. Je "
                      "l'ajoute à l'idée.", 1),
    ],
    "Regenerative brake hub": [
        ("karim", "Our supplier in Porto could make 5,000 hub shells a year; magnesium would need a second supplier."),
        ("paul", "En ville, je freine tous les 200 mètres. 10 % d'autonomie en plus, je signe tout de suite."),
        ("victor", "Measured on our test loop: 8 to 12 % depending on the hills. Sara's estimate holds."),
    ],
    "Cadre avec antivol intégré": [
        ("sara", "A glass-fibre section around the lock would keep a future tracker's antenna working; steel would "
                 "block it."),
        ("leo", "Bien vu. On garde l'acier pour le U et on fait le fourreau en composite.", 0),
        ("member", "I built a prototype of something close last winter: happy to share the CAD files."),
        ("victor", "Please do, Mia. Our workshop can print a fit test of the tube on Thursday.", 2),
    ],
    "Chainless belt drive kit": [
        ("paul", "Attention : une courroie impose un cadre ouvrable. Sur la plupart des vélos de ville, il faut un "
                 "insert dans la base arrière."),
        ("tom", "Which is why the kit includes the split-frame insert. It bolts on, no welding.", 0),
        ("karim", "Two makers sell these belts in Europe. At 5,000 kits a year we would get a decent price from "
                  "either."),
        ("member", "Is the 15,000 km between changes for city riding with a hub gear only?"),
    ],
    "Siège enfant modulaire": [
        ("paul", "J'ai acheté trois sièges pour deux enfants. Une base commune, c'est l'idée la plus utile du projet."),
        ("sara", "Check the child-seat crash standard early: modular seats tend to fail the side-impact test."),
    ],
    "Caisse cargo pliable": [
        ("paul", "J'ai testé une caisse pliable du commerce : les charnières prennent du jeu au bout de trois mois. "
                 "À renforcer."),
        ("ines", "Charnières en inox avec un axe démontable : c'est dans la spécification depuis hier.", 0),
        ("member", "Could the rack take a child seat as well, or is it one or the other?"),
    ],
    "Galet d'humidité pour plantes": [
        ("tom", "I killed three basil plants this year; I'd buy four of these. How accurate is a capacitive probe in "
                "clay soil?"),
        ("leo", "Assez pour dire « arrose » ou « attends ». On l'étalonne selon la terre avec un petit bouton.", 0),
        ("ines", "Et il faut une version réparable, avec une pile qui se change sans outil, sinon on jette un galet "
                 "tous les deux ans."),
    ],
    "Air quality lamp": [
        ("ines", "Une lampe qui conseille d'aérer sans sonner, c'est exactement ce qu'il faut dans une chambre "
                 "d'enfant."),
        ("nina", "NDIR sensors draw a lot of current while measuring. Is the lamp always plugged in, or on battery?"),
        ("sara", "Always plugged in: it is a bedside lamp first. That keeps the sensor honest.", 1),
        ("tom", "Families with babies would buy this tomorrow. Please add a night-light mode."),
    ],
    "Sonnette silencieuse à lumière": [
        ("nina", "Nice. Could a light also blink in the bathroom? That's where I never hear the bell."),
        ("karim", "Oui : une veilleuse par pièce, et on choisit lesquelles s'allument.", 0),
        ("tom", "Zigbee or Thread for the night-lights? I vote Thread, it's what new homes get."),
    ],
    "Silent washing-machine alert": [
        ("tom", "Does it work with a machine in a cellar without wifi? Mine is two floors down."),
        ("yuki", "It talks to a plug-in lamp upstairs over its own radio link: no wifi needed.", 0),
    ],
    "Boutons physiques pour tourner les pages": [
        ("yuki", "In our user tests, people asked for this first: 9 participants out of 12."),
        ("nina", "Can the buttons be swapped? Left-handed readers want 'next page' on the left."),
        ("leo", "Oui, tout sera configurable dans le firmware : une ligne de réglage.", 1),
    ],
    "Replaceable battery door": [
        ("karim", "Captive screws cost about 4 cents each in volume. No reason not to."),
        ("member", "Would a 6-inch reader have room for a tray? Most are 7 mm thick."),
        ("dora", "It adds about 0.8 mm. We think readers will accept that for a battery they can change.", 1),
    ],
    "Dyslexia-friendly fonts": [
        ("yuki", "A speech therapist I know could test the presets with us. Two sessions would be enough to pick the "
                 "defaults."),
        ("moderator", "Pensez aux licences des polices : OpenDyslexic est libre, d'autres ne le sont pas."),
    ],
    "Open bootloader": [
        ("nina", "The Android companion app could sync notes over USB only, so we never need a cloud."),
        ("leo", "Attention au mode de récupération : il doit vivre dans une mémoire qu'on ne peut pas effacer."),
        ("yuki", "Agreed, Léo: it is in the specification's constraints now.", 1),
    ],
    "Shared motor base": [
        ("chloe", "C'est le cœur du projet, merci Mia. Quelle puissance vises-tu pour le moulin à céréales ?"),
        ("member", "800 W at peak, but a mill wants torque at low speed more than power.", 0),
        ("paul", "Il faut un réducteur démontable, sinon le premier pignon cassé condamne tout le socle."),
    ],
    "Dishwasher-safe blender jar": [
        ("sara", "Borosilicate glass survives the dishwasher; as you say, the problem is always the seal."),
        ("ines", "Vendre les joints par trois en magasin, avec une référence simple : bonne idée."),
    ],
    "Disque pilé-glace": [
        ("sara", "Hardened stainless discs go blunt quickly on ice. Is the disc meant to be resharpened or "
                 "replaced?"),
        ("karim", "Remplacé : on vise un disque à moins de 8 euros.", 0),
        ("chloe", "Et une place pour ranger le disque dans le bol, sinon il se perd au fond du tiroir."),
    ],
    "Panneaux pliables en ailes": [
        ("omar", "20 W from two wings is realistic in June; expect 8 W in a French winter. Worth printing on the "
                 "box."),
        ("ines", "Tout à fait : on affichera des chiffres honnêtes, été, hiver et ciel couvert.", 0),
        ("tom", "Could the wings double as a stand for the camping lamp?"),
    ],
    "Boîtier étanche": [
        ("tom", "IP67 with screws: go for a tongue-and-groove lid, it's what my garden sensors use."),
        ("omar", "Standard O-ring sizes, please, so that anyone can buy a spare at a hardware shop."),
        ("moderator", "Noté pour les joints. Et la lampe frontale se rechargera sur le boîtier, par le port USB du "
                      "dessus.", 1),
    ],
    "Lamp add-on for camping": [
        ("moderator", "Le mode rouge est une excellente idée : une lampe de camping qui n'éblouit pas les voisins de "
                      "tente."),
        ("omar", "3 W of warm LEDs: about eight hours on a quarter of the bank. A good trade-off."),
    ],
    "Charge-level e-ink gauge": [
        ("tom", "LiFePO4 cells survive a hot car. If the gauge reads their voltage, plan for the flat middle of the "
                "curve."),
        ("omar", "We can reuse the charge controller of the panel kit and count coulombs instead.", 0),
    ],
}

# Posts members flagged and no moderator has reviewed yet (the moderators' queue): (idea title, author, text,
# [(flagger, reason)]).
FLAGGED = [
    ("USB-C PD board", "karim", "Ready-made PD boards for 9 EUR in my shop, code CROWD20 for 20 % off: "
                                "benali-parts.example", [("omar", "Advertising (charter, rule 3)"), ("tom", "Spam")]),
    ("Air quality lamp", "paul", "Quelqu'un vend un vélo cargo d'occasion à Lyon ? Je cherche depuis des semaines.",
     [("ines", "Hors sujet : rien à voir avec la lampe.")]),
    ("Chainless belt drive kit", "sara", "Belts are a gimmick for people who can't be bothered to oil a chain. "
                                         "Read a manual.", [("tom", "Rude to the author"),
                                                            ("member", "Not constructive")]),
]

# The first draft of a specification and its follow-up, in the language of the idea's author.
SPEC_TEXTS = {
    "en": {"summary": "First full draft", "target_users": "Commuters, students and makers who repair their things.",
           "use_cases": "- On the way to work\n- At home, shared with the family", "must": "Must", "should":
           "- Should: an open repair guide\n- Could: a companion app", "constraints":
           "Repairable with common tools; CE marking.", "bom": "About 35 EUR at 10,000 units (case, board, battery, "
           "assembly).", "price": "Under 120 EUR", "questions": "- [x] Which certification?\n- [ ] Which battery "
           "chemistry?", "settled": "Battery chosen", "answers": "- [x] Which certification?\n- [x] Which battery "
           "chemistry? LiFePO4."},
    "fr": {"summary": "Premier brouillon complet", "target_users": "Les personnes qui vont au travail à vélo, les "
           "étudiants et les bricoleurs qui réparent leurs objets.", "use_cases": "- Sur le trajet du travail\n"
           "- À la maison, en famille", "must": "Indispensable", "should": "- Souhaitable : un guide de réparation "
           "ouvert\n- Possible : une application", "constraints": "Réparable avec des outils courants ; marquage CE.",
           "bom": "Environ 35 EUR pour 10 000 unités (boîtier, carte, batterie, assemblage).", "price":
           "Moins de 120 EUR", "questions": "- [x] Quelle certification ?\n- [ ] Quelle chimie de batterie ?",
           "settled": "Batterie choisie", "answers": "- [x] Quelle certification ?\n- [x] Quelle chimie de "
           "batterie ? LiFePO4."},
}


def _discussions(people) -> None:
    """A rude post that a member flags and a moderator hides, an accepted amendment and a withdrawn vote: the karma
    these earn (and lose) comes from the same signals as in real use."""
    ideas = {}
    for idea in db.session.scalars(select(Idea).order_by(Idea.id)):
        ideas.setdefault((idea.project.title, idea.stage), idea)
    rude = forum.add_post(forum.thread_of_idea(ideas["The bike of the future", Stage.VOTE]), people["paul"],
                          "Only an idiot would ride this.")
    moderation.flag(rude, people["member"], "Insulting")
    moderation.hide(rude, people["moderator"], "Please criticise ideas, not people.")
    spec = ideas["The bike of the future", Stage.SPEC]
    amendment = specs.propose_amendment(spec, people["member"], "use_cases",
                                        "- Commuting in the rain\n- Leaving the bike at the station all day",
                                        "Both came up in the discussion.")
    specs.decide_amendment(spec, amendment, spec.author, True, "Merci Mia, c'est ajouté.")
    voting = ideas["Open-source e-reader", Stage.VOTE]
    if voting.id not in pipeline.voted_idea_ids(people["member"], [voting.id]):
        pipeline.cast_vote(voting, people["member"])
    pipeline.withdraw_vote(voting, people["member"])


def _flag_for_review(people) -> None:
    """Posts that members flagged and no moderator has reviewed yet, filed as members file them (FLAGGED)."""
    for idea_title, who, text, flags in FLAGGED:
        idea = db.session.scalar(select(Idea).where(Idea.title == idea_title))
        post = forum.add_post(forum.thread_of_idea(idea), people[who], text)
        for flagger, reason in flags:
            moderation.flag(post, people[flagger], reason)


#: how far back the demo's history goes
HISTORY = timedelta(weeks=16)


def _talk(thread, posts, people: dict) -> None:
    """Post (author, text[, index of the earlier post answered]) in order, a reply quoting the post it answers."""
    written = []
    for who, text, *answered in posts:
        written.append(forum.add_post(thread, people[who], text, written[answered[0]].id if answered else None))


def _discuss(project, people: dict) -> None:
    """The project's own discussion (PROJECT_TALK) and its ideas' (IDEA_TALK)."""
    _talk(forum.thread_of_project(project), PROJECT_TALK.get(project.title, ()), people)
    for idea in db.session.scalars(select(Idea).where(Idea.project_id == project.id, Idea.title.in_(IDEA_TALK))
                                   .order_by(Idea.id)):
        _talk(forum.thread_of_idea(idea), IDEA_TALK[idea.title], people)


def _between(rng: random.Random, start, end):
    """A random moment from start to end."""
    return start + (end - start) * rng.random()


def _spread_idea(idea, now, rng: random.Random) -> None:
    """Spread one idea's history over the past weeks, in order: proposal, moves, votes, revisions, posts.
    An idea still open for votes entered the vote stage in the last nine days, so voting stays open."""
    moves = idea.history
    tail = timedelta(days=rng.uniform(0.5, {Stage.IDEA: 105, Stage.VOTE: 9}.get(idea.stage, 50)))
    gaps = [timedelta(days=rng.uniform(2, 18)) for _ in moves[1:]]
    room, span = HISTORY - tail - timedelta(days=1), sum(gaps, timedelta())
    if span > room:
        gaps = [gap * (room / span) for gap in gaps]
    moment = now - tail - sum(gaps, timedelta())
    for move, gap in zip(moves, [timedelta(), *gaps], strict=True):
        moment += gap
        move.created_at = moment
    stays = {move.to_stage: (move.created_at, after.created_at if after else now)
             for move, after in zip(moves, [*moves[1:], None], strict=True)}
    idea.created_at, idea.updated_at = moves[0].created_at, moves[-1].created_at
    if Stage.VOTE in stays:
        idea.vote_closes_at = stays[Stage.VOTE][0] + timedelta(days=idea.project.voting_days)
        for vote in db.session.scalars(select(Vote).where(Vote.idea_id == idea.id)):
            vote.created_at = _between(rng, *stays[Stage.VOTE])
    if Stage.PARTNER_RND in stays:
        idea.rnd_started_at = stays[Stage.PARTNER_RND][0]
    if Stage.SPEC in stays:
        _spread_partnering(idea, stays, rng)
        start, end = stays[Stage.SPEC]
        revisions = db.session.scalars(select(SpecRevision).where(SpecRevision.idea_id == idea.id)
                                       .order_by(SpecRevision.number)).all()
        for revision, moment in zip(revisions, sorted(_between(rng, start, end) for _ in revisions), strict=True):
            revision.created_at = moment
        for approval in db.session.scalars(select(SpecApproval).where(SpecApproval.idea_id == idea.id)):
            approval.created_at = _between(rng, revisions[-1].created_at, end)
        moments = {revision.number: revision.created_at for revision in revisions}
        for amendment in db.session.scalars(select(Amendment).where(Amendment.idea_id == idea.id)):
            if amendment.decided_at is not None:  # decided with the revision it made, or within the stage
                amendment.decided_at = moments.get(amendment.revision_number) or _between(rng, start, end)
            amendment.created_at = _between(rng, moments.get(amendment.base_number, start),
                                            amendment.decided_at or end)


def _spread_partnering(idea, stays: dict, rng: random.Random) -> None:
    """Sponsors' offers come during the specification; the partnership starts with partner R&D, and its
    workspace's milestones, decisions and public updates come after."""
    offers_until = stays[Stage.PARTNER_RND][0] if Stage.PARTNER_RND in stays else stays[Stage.SPEC][1]
    for interest in db.session.scalars(select(Interest).where(Interest.idea_id == idea.id)):
        interest.created_at = _between(rng, stays[Stage.SPEC][0], offers_until)
        if interest.decided_at is not None:
            interest.decided_at = offers_until
    partnership = db.session.scalar(select(Partnership).where(Partnership.idea_id == idea.id))
    if partnership is None or Stage.PARTNER_RND not in stays:
        return
    start, end = stays[Stage.PARTNER_RND]
    partnership.started_at = start
    for member in partnership.members:
        member.created_at = start
    for model in (Milestone, Decision, StatusUpdate):
        for item in db.session.scalars(select(model).where(model.partnership_id == partnership.id)):
            item.created_at = _between(rng, start, end)


def _spread_over_weeks(rng: random.Random) -> None:
    """Give the demo a past: everything was created just now, so move proposals, stage moves, votes,
    revisions and posts back over the last sixteen weeks (the sponsor dashboards then have something to show)."""
    now = utcnow()
    for model in (User, Project, Organisation):
        for row in db.session.scalars(select(model)):
            row.created_at = now - HISTORY - timedelta(days=7)
    for referral in db.session.scalars(select(Referral)):
        referral.created_at = referral.invitee.created_at
    for idea in db.session.scalars(select(Idea).options(selectinload(Idea.history), selectinload(Idea.project))):
        _spread_idea(idea, now, rng)
    for thread in db.session.scalars(select(Thread)):
        idea_start = (thread.idea.created_at if thread.idea_id else
                      thread.partnership.started_at if thread.partnership_id else now - HISTORY)
        posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id)).all()
        for post, moment in zip(posts, sorted(_between(rng, idea_start, now) for _ in posts), strict=True):
            post.created_at = moment
        thread.created_at = posts[0].created_at if posts else idea_start
        thread.last_post_at = posts[-1].created_at if posts else idea_start
    _spread_moderation(now, rng)
    _spread_confidentiality(now, rng)
    db.session.commit()


def _spread_moderation(now, rng: random.Random) -> None:
    """Flags come in the hours after the post they report, and a hidden post was hidden after its flags."""
    for post in db.session.scalars(select(Post).where(Post.id.in_(select(Flag.post_id)) | Post.hidden_at.is_not(None))):
        moment = post.created_at
        for flag in db.session.scalars(select(Flag).where(Flag.post_id == post.id).order_by(Flag.id)):
            moment = flag.created_at = _between(rng, moment, min(moment + timedelta(hours=30), now))
        if post.hidden_at is not None:
            post.hidden_at = _between(rng, moment, min(moment + timedelta(hours=20), now))


def _spread_confidentiality(now, rng: random.Random) -> None:
    """An NDA was published in its project's first days and accepted over the following weeks; a request to join is
    a few days old."""
    for version in db.session.scalars(select(NdaVersion)):
        version.published_at = db.session.get(Project, version.project_id).created_at + timedelta(
            days=rng.uniform(1, 6))
        for acceptance in db.session.scalars(select(NdaAcceptance).where(NdaAcceptance.nda_version_id == version.id)):
            acceptance.accepted_at = version.published_at + timedelta(days=rng.uniform(1, 30))
    for request in db.session.scalars(select(JoinRequest)):
        request.created_at = now - timedelta(days=rng.uniform(1, 6))


def _date_karma(rng: random.Random) -> None:
    """Date each karma event when what earned it happened (a vote's point at the vote, a post's at the post, a
    reversal when the post was hidden...), then apply the daily caps on those days and set the totals from the log."""
    now, moments = utcnow(), _karma_moments()
    for event in db.session.scalars(select(KarmaEvent).order_by(KarmaEvent.id)):  # an award before its reversals
        if event.reverses_id is not None:
            after = event.reverses.created_at
            event.created_at = max(moments.get((event.cause, event.source_id)) or min(
                after + timedelta(hours=rng.uniform(1, 48)), now), after)
        elif event.rule == "vote_cast":
            event.created_at = moments.get((event.rule, event.user_id, event.source_id)) or min(  # a withdrawn vote
                moments["vote_opened", event.source_id] + timedelta(hours=rng.uniform(2, 72)), now)
        elif (event.rule, event.source_id) in moments:
            event.created_at = moments[event.rule, event.source_id]
    _date_referrals()
    _apply_daily_caps()
    karma_maintenance.check(repair=True)


def _karma_moments() -> dict:
    """When each source of karma happened: (rule or reversal cause, source id) -> moment, and for votes (rule,
    voter, idea id)."""
    moments = {}
    for idea_id, created_at in db.session.execute(select(Idea.id, Idea.created_at)):
        moments["idea_proposed", idea_id] = created_at
    for idea_id, stage, created_at in db.session.execute(select(StageTransition.idea_id, StageTransition.to_stage,
                                                                StageTransition.created_at).where(
            StageTransition.to_stage.in_([Stage.VOTE, Stage.SPEC]))):
        moments["vote_opened" if stage == Stage.VOTE else "idea_promoted", idea_id] = created_at
    for user_id, idea_id, created_at in db.session.execute(select(Vote.user_id, Vote.idea_id, Vote.created_at)):
        moments["vote_cast", user_id, idea_id] = created_at
    for post_id, created_at, hidden_at in db.session.execute(select(Post.id, Post.created_at, Post.hidden_at)):
        moments["comment", post_id], moments["post_hidden", post_id] = created_at, hidden_at
    for flag_id, hidden_at in db.session.execute(select(Flag.id, Post.hidden_at).join(Post, Post.id == Flag.post_id)):
        moments["moderation_help", flag_id] = hidden_at
    for amendment_id, decided_at in db.session.execute(select(Amendment.id, Amendment.decided_at)):
        moments["amendment_accepted", amendment_id] = decided_at
    for entry in db.session.scalars(select(Entry)):
        moments["contest_entry", entry.id] = entry.created_at
        moments["contest_finalist", entry.id], moments["contest_win", entry.id] = entry.finalist_at, entry.won_at
    return {key: moment for key, moment in moments.items() if moment is not None}


def _date_referrals() -> None:
    """An invitee became active with the contribution that reached KARMA_REFERRAL_ACTIVE_AFTER: their referrer's
    points date from then."""
    needed = current_app.config["KARMA_REFERRAL_ACTIVE_AFTER"]
    for referral in db.session.scalars(select(Referral).where(Referral.activated_at.is_not(None))):
        contributions = db.session.scalars(select(KarmaEvent.created_at).where(
            KarmaEvent.user_id == referral.invitee_id, KarmaEvent.rule.in_(karma.CONTRIBUTIONS),
            KarmaEvent.seq.is_not(None)).order_by(KarmaEvent.created_at)).all()
        referral.activated_at = contributions[min(needed, len(contributions)) - 1]
        for event in db.session.scalars(select(KarmaEvent).where(
                KarmaEvent.rule == "referral", KarmaEvent.source_id == referral.invitee_id)):
            event.created_at = referral.activated_at


def _apply_daily_caps() -> None:
    """Each capped rule's awards give the member at most its daily cap a day, on their new dates (made in one
    minute, some were capped that no real day would have capped); a reversal takes back what its award gave."""
    capped = {name: rule for name, rule in karma_rules.current().items() if rule.daily_cap is not None}
    earned = Counter()
    for event in db.session.scalars(select(KarmaEvent).where(KarmaEvent.seq.is_not(None), KarmaEvent.rule.in_(
            capped)).order_by(KarmaEvent.created_at, KarmaEvent.id)):
        rule, day = capped[event.rule], (event.user_id, event.rule, event.created_at.date())
        event.points = min(rule.points, max(rule.daily_cap - earned[day], 0))
        event.cause = "capped" if event.points < rule.points else ""
        earned[day] += event.points
    for reversal in db.session.scalars(select(KarmaEvent).where(KarmaEvent.reverses_id.is_not(None))):
        reversal.points = -reversal.reverses.points
    db.session.flush()


def _date_audit(rng: random.Random) -> None:
    """Date each audit entry when the change it records happened (a project's settings as it opened, a stage move
    at the move, an offer with the offer...), and each notification with the post or move it tells of."""
    moves = {(move.idea_id, move.to_stage): move.created_at for move in db.session.scalars(select(StageTransition))}
    offers = {(interest.idea_id, interest.organisation.name): interest for interest in db.session.scalars(
        select(Interest).options(selectinload(Interest.organisation)))}
    updates = {(update.partnership.idea_id, update.headline[:100]): update.created_at
               for update in db.session.scalars(select(StatusUpdate).options(selectinload(StatusUpdate.partnership)))}
    ndas = {(version.project_id, f"NDA v{version.number}"): version for version in db.session.scalars(
        select(NdaVersion))}
    accepted = {(version.project_id, acceptance.user_id): acceptance.accepted_at for version, acceptance in
                db.session.execute(select(NdaVersion, NdaAcceptance).join(
                    NdaAcceptance, NdaAcceptance.nda_version_id == NdaVersion.id))}
    requests = {(request.project_id, request.user_id): request.created_at
                for request in db.session.scalars(select(JoinRequest))}
    posts = {post.id: post for post in db.session.scalars(select(Post).where(Post.hidden_at.is_not(None)))}
    for event in db.session.scalars(select(AuditEvent)):
        number = int(event.target.rpartition("#")[2]) if "#" in event.target else None
        match event.action:
            case "project.created" | "policy.changed" | "settings.changed":
                opened = db.session.get(Project, event.project_id).created_at
                moment = opened if event.action == "project.created" else opened + timedelta(minutes=rng.uniform(2, 30))
            case "stage.changed":
                moment = moves.get((number, event.details.rpartition(" -> ")[2]))
            case "rnd.interest" | "rnd.selected":
                offer = offers.get((number, event.details))
                moment = offer and (offer.created_at if event.action == "rnd.interest" else offer.decided_at)
            case "rnd.update":
                moment = updates.get((number, event.details))
            case "nda.published":
                moment = ndas[event.project_id, event.target].published_at
            case "nda.accepted":
                moment = accepted.get((event.project_id, event.actor_id))
            case "membership.requested":
                moment = requests.get((event.project_id, event.actor_id))
            case "post.hidden":
                moment = posts[number].hidden_at
            case _:
                moment = None
        if moment is not None:
            event.created_at = moment
    _date_notifications(moves)
    db.session.commit()


def _date_notifications(moves: dict) -> None:
    """A notification dates from the post, the moderation or the stage move it tells of."""
    for notification, post in db.session.execute(select(Notification, Post).outerjoin(
            Post, Post.id == Notification.post_id)):
        if notification.kind == "stage":
            notification.created_at = moves.get((notification.idea_id, notification.detail), notification.created_at)
        elif post is not None:
            notification.created_at = (post.hidden_at if notification.kind == "moderation" and post.hidden_at
                                       else post.created_at)


def _alternate_bike_specs(people) -> None:
    """The bike project opens its specifications to the whole community one week in four, three times, as the field
    study's bike project alternated open and closed phases with its research lab (announced on its page)."""
    project = db.session.scalar(select(Project).where(Project.title == "The bike of the future"))
    start = clock.now().replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=3)
    stage_schedule.schedule(project, people["victor"], "spec", Visibility.COMMUNITY, start, start + timedelta(days=7),
                            repeat=2, every_days=28)


def seed() -> dict[str, int]:
    """Create the whole demo data set; return how many of each thing exist afterwards."""
    rng = random.Random(2007)  # CrowdSpirit launched in September 2007
    people = _people()
    for owner, title, summary, sponsored, decider, threshold in PROJECTS:
        project = projects.create_project(people[owner], title, summary,
                                          f"## {title}\n\n{summary}\n\nPropose ideas, vote, and "
                                          "help write the specification.",
                                          "sponsored" if sponsored else "self_carried")
        projects.update_settings(project, people[owner], promotion_decider=decider, vote_threshold=threshold,
                                 **CONFIDENTIAL_PROJECTS.get(title, {}), **GATE_SETTINGS.get(title, {}))
        db.session.add(ProjectMembership(project=project, user=people["moderator"],
                                         role=MemberRole.MODERATOR))
        _add_members(project, [people[key] for key in MEMBERS.get(title, ())])
        for n, (author, idea_title, idea_summary, body, tags) in enumerate(IDEAS[title]):
            idea = pipeline.propose_idea(project, people[author], idea_title, idea_summary, body, tags)
            _advance(idea, STAGE_PLAN[n % len(STAGE_PLAN)], people, rng, ready=n == 9)
        if title in CONFIDENTIAL_PROJECTS:
            _confidential_setup(project, people)
        _discuss(project, people)
    _discussions(people)
    _flag_for_review(people)
    _contests(people)
    _spread_over_weeks(rng)
    _charter(people)
    _alternate_bike_specs(people)
    events.deliver_all()  # karma and notifications are written now (EVENTS_DELIVERY=thread would write them later)
    _date_karma(rng)
    _date_audit(rng)
    return {"users": len(people), "projects": len(PROJECTS),
            "ideas": sum(len(v) for v in IDEAS.values())}


CHARTER_EN = """## 1. Be kind and constructive
Criticise ideas, never people. No harassment, insults or discrimination.

## 2. Share what you may share
Post only what you wrote or may publish. What you read in a confidential project stays there: the NDA you signed says
so.

## 3. No self-promotion
No advertising, no links to your own shop, no vote trading.

## 4. Moderation
Moderators hide what breaks this charter and say which rule it broke; you may appeal their decision.
"""
CHARTER_FR = """## 1. Soyez bienveillants et constructifs
Critiquez les idées, jamais les personnes. Ni harcèlement, ni insultes, ni discrimination.

## 2. Partagez ce que vous pouvez partager
Ne publiez que ce que vous avez écrit ou avez le droit de publier. Ce que vous lisez dans un projet confidentiel y
reste : l'accord de confidentialité que vous avez signé le dit.

## 3. Pas d'autopromotion
Pas de publicité, pas de liens vers votre propre boutique, pas d'échange de votes.

## 4. Modération
Les modérateurs masquent ce qui enfreint cette charte et disent quelle règle a été enfreinte ; vous pouvez faire appel
de leur décision.
"""


def _charter(people: dict) -> None:
    """The platform's charter (version 1), accepted by every demo member."""
    charter.publish(people["admin"], CHARTER_EN, CHARTER_FR, "")
    for person in people.values():
        charter.accept(person, 1)


# --- Contests: one in each kind of moment, so that `make run` shows the whole Wilogo flow ---------------------
CONTEST_DEFAULTS = {"kind": "contest", "currency": "EUR", "finalists_wanted": 3, "min_entries": 20,
                    "finalist_bonus_cents": 5000, "winner_share": 60, "private_hours": 72, "public_hours": 96,
                    "shortlist_hours": 72, "adjustments_hours": 120,
                    "terms_text": "1. Your entry is your own original work.\n2. Entries stay private for 72 hours, "
                                  "then every member sees them.\n3. Only the winner transfers the copyright of the "
                                  "winning entry.",
                    "transfer_text": "I transfer to the sponsor, exclusively and worldwide, the rights to reproduce, "
                                     "adapt and use the winning entry, in return for the winner's share of the prize."}
PALETTE = [(234, 88, 12), (13, 148, 136), (79, 70, 229), (219, 39, 119), (202, 138, 4), (22, 163, 74)]


def _logo(seed: int, letters: str) -> bytes:
    """A simple generated logo: a coloured shape and initials on a light background."""
    rng = random.Random(seed)
    color = PALETTE[seed % len(PALETTE)]
    image = Image.new("RGB", (480, 360), (248, 250, 252))
    draw = ImageDraw.Draw(image)
    box = (140, 80, 340, 280)
    shape = rng.choice(("ellipse", "rounded", "triangle"))
    if shape == "ellipse":
        draw.ellipse(box, fill=color)
    elif shape == "rounded":
        draw.rounded_rectangle(box, radius=40, fill=color)
    else:
        draw.polygon([(240, 70), (350, 280), (130, 280)], fill=color)
    draw.ellipse((205, 145, 275, 215), fill=(255, 255, 255))
    draw.text((24, 320), letters, fill=color, font_size=28)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _enter(contest, user, title: str, seed: int):
    """Submit a contest entry with a generated logo, accepting the contest's terms."""
    return contests.submit_entry(contest, user, title, f"**{title}**: simple shapes that read well at 16 pixels.",
                                 [contests.Upload(f"{title.lower().replace(' ', '-')}.png", _logo(seed, title))],
                                 True, contest.terms_version)


def _contests(people: dict) -> None:
    """A contest in its public phase with entries, one closed with a signed transfer, one still private, and an
    expert challenge; dates are set by moving the contests' clock back."""
    start = clock.now()
    try:
        clock.set_to(start - timedelta(days=20))
        closed = contests.create_contest(people["hana"], title="Packaging for the shared listening puck",
                                         brief="Design the **box** of our shared listening puck: recyclable, "
                                               "no plastic window, fun to open.", prize_cents=60000,
                                         pool_cents=6000, **CONTEST_DEFAULTS)
        contests.open_contest(closed, people["hana"])
        entries = [_enter(closed, people[key], title, n) for n, (key, title) in enumerate(
            [("chloe", "Origami box"), ("leo", "Vinyl sleeve"), ("yuki", "Pebble case"), ("omar", "Tin can"),
             ("member", "Paper pulp egg")])]
        clock.advance(hours=72)
        contests.catch_up(closed)
        for voter, entry in ((people["paul"], entries[0]), (people["ines"], entries[0]), (people["tom"], entries[2]),
                             (people["karim"], entries[1])):
            contests.give_heart(entry, voter)
        contests.add_comment(entries[0], people["yuki"], "The unfolding is a great moment, well done!")
        clock.advance(hours=96)
        contests.catch_up(closed)
        contests.choose_finalists(closed, people["hana"], [entries[0].id, entries[1].id, entries[2].id])
        contests.advance(closed, people["hana"])
        contests.request_adjustment(entries[0], people["hana"], "Could the logo sit on the lid rather than the side?")
        contests.revise_entry(entries[0], people["chloe"], "Origami box", entries[0].text, "Logo moved to the lid",
                              [contests.Upload("origami-box-v2.png", _logo(11, "Origami box v2"))])
        clock.advance(hours=48)
        contests.award(closed, people["hana"], entries[0])
        clock.advance(hours=5)
        contests.sign_transfer(closed, people["chloe"], closed.transfer_version, "127.0.0.1")

        clock.set_to(start - timedelta(days=4))
        public = contests.create_contest(people["sponsor"], title="A logo for the Helios pocket DAC",
                                         brief="Our pocket hi-fi DAC needs a **logo**: small, bold, readable "
                                               "engraved on aluminium.\n\n- one colour\n- works at 16 px",
                                         prize_cents=50000, pool_cents=10000, **CONTEST_DEFAULTS)
        contests.open_contest(public, people["sponsor"])
        entries = [_enter(public, people[key], title, n + 20) for n, (key, title) in enumerate(
            [("member", "Sound wave"), ("leo", "Pocket circle"), ("chloe", "Helios sun"), ("yuki", "Tiny ear"),
             ("leo", "DAC monogram"), ("nina", "Pulse"), ("sara", "Alloy")])]
        clock.advance(hours=75)
        contests.catch_up(public)
        for n, voter in enumerate(["paul", "ines", "tom", "karim", "omar", "sara", "nina"]):
            for entry in entries[n % 3::2]:
                if entry.author_id != people[voter].id:
                    contests.give_heart(entry, people[voter])
        contests.add_comment(entries[2], people["omar"], "Love how the sun doubles as a volume knob.")
        contests.add_comment(entries[0], people["yuki"], "Would it still read once engraved?")

        clock.set_to(start - timedelta(hours=20))
        private = contests.create_contest(people["victor"], title="A bell sound for the bike of the future",
                                          brief="A friendly **bell sound** (as a drawing of its waveform and a short "
                                                "description) that warns without startling.", prize_cents=30000,
                                          pool_cents=0, **CONTEST_DEFAULTS)
        contests.open_contest(private, people["victor"])
        _enter(private, people["paul"], "Two-tone chime", 40)
        _enter(private, people["sara"], "Soft ping", 41)

        challenge = contests.create_contest(people["dora"], title="Ultra-low-power window sensor",
                                            brief="We need a window-open sensor that runs **ten years** on a coin "
                                                  "cell. Submit an architecture and a power budget.",
                                            prize_cents=200000, pool_cents=0, criteria="Feasibility: 3\nPower: 2\n"
                                            "Cost: 1", **{**CONTEST_DEFAULTS, "kind": "challenge"})
        contests.open_contest(challenge, people["dora"])
        contests.invite_expert(challenge, people["dora"], people["omar"].id)
        _enter(challenge, people["omar"], "Reed switch and wake-up", 50)
    finally:
        clock.set_to(None)
