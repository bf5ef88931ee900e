"""Bulk builder of the search benchmark's database: the pipeline data set, rewritten with real text.

On top of `dataset.build` (users, projects, ideas, votes, memberships), every idea gets a title,
summary and a 100-160 word body, every spec revision a problem statement, and each idea a thread
whose posts (30-80 words each) are spread over ideas with a skewed distribution. About 30 % of
texts are French, 70 % English, drawn from a vocabulary of a few thousand words with Zipf
frequencies (function words at the head, a long tail of rarer words), so two-word queries hit.
Every project's four stage policies are 'project', and one bench user is a member of 10 % of them.
"""

import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate

import dataset

MEMBER_EMAIL = "search-member@bench.example"
ADMIN_ID = 1  # dataset.build makes user 1 the administrator
FRENCH_SHARE = 0.3


@dataclass(frozen=True)
class Size:
    ideas: int
    posts: int
    users: int
    projects: int


FULL = Size(ideas=100_000, posts=200_000, users=10_000, projects=100)
QUICK = Size(ideas=10_000, posts=20_000, users=2_000, projects=20)

FUNCTION = {
    "en": "the of and to a in is it that for with on this be are as we can not or have you but they by from at an "
          "all so more will would its their which if also has do does there when than about these who very without "
          "our one into only some then".split(),
    "fr": "de la le et les des à un une en du est que pour dans qui sur pas au il plus par ce ne se on avec nous "
          "vous sont elle mais ou son cette aux ses leur donc très tout sans être avoir fait comme même aussi ces "
          "ils sa y peut bien".split(),
}
NOUNS = {
    "en": "battery charger cable screen button sensor motor lamp speaker bike frame wheel saddle helmet kettle "
          "blender fridge oven heater fan filter pump valve hinge screw bolt case cover lid handle strap buckle "
          "pocket zip fabric cotton wool hemp bamboo wood steel aluminium plastic rubber glass ceramic copper magnet "
          "spring gear chain pedal brake tyre tube light bulb switch dial knob display keyboard mouse stylus tablet "
          "phone radio antenna signal network firmware software app update cloud server privacy account password "
          "backup storage memory chip board circuit resistor capacitor diode voltage current power energy panel "
          "wind water heat noise sound audio music voice microphone camera lens photo video printer filament mould "
          "prototype design sketch drawing model version release test trial feedback review vote idea project "
          "community member sponsor partner factory supplier price cost budget margin order batch package box "
          "label manual guide repair spare part tool kit module block connector port socket plug adapter cord "
          "wire clip mount stand shelf drawer table chair desk bed door window wall floor roof garden plant soil "
          "seed pot tap shower sink kitchen bathroom office school child parent student teacher user customer "
          "owner neighbour city village street road station train bus car scooter trailer cargo weight size "
          "width height length shape colour finish texture surface edge corner layer coating paint glue tape "
          "needle stitch seam warranty lifetime recycling waste enclosure housing thermostat doorbell headphones "
          "backpack tent stove lantern compass bottle flask cup jar grinder toaster mixer vacuum iron drill saw "
          "hammer ladder trolley basket crate pallet".split(),
    "fr": "batterie chargeur câble écran bouton capteur moteur lampe enceinte vélo cadre roue selle casque "
          "bouilloire mixeur frigo four radiateur ventilateur filtre pompe vanne charnière boulon boîtier "
          "couvercle poignée sangle boucle poche tissu coton laine chanvre bambou bois acier plastique caoutchouc "
          "verre céramique cuivre aimant ressort engrenage chaîne pédale frein pneu lumière ampoule interrupteur "
          "molette affichage clavier souris tablette téléphone antenne réseau logiciel application données compte "
          "sauvegarde mémoire puce carte circuit soudure tension courant énergie panneau vent chaleur froid bruit "
          "musique voix micro appareil objectif imprimante moule prototype conception croquis dessin modèle essai "
          "retour avis idée projet communauté membre partenaire usine fournisseur prix coût marge commande "
          "livraison colis étiquette notice réparation pièce outil connecteur prise fil support étagère tiroir "
          "chaise bureau porte fenêtre mur toit jardin plante graine robinet douche évier cuisine salle école "
          "enfant parent étudiant enseignant utilisateur client voisin ville village rue route gare train voiture "
          "trottinette remorque poids taille largeur hauteur longueur forme couleur finition surface bord couche "
          "peinture colle aiguille couture garantie durée recyclage déchet coque thermostat sonnette sac tente "
          "réchaud lanterne boussole bouteille gourde tasse bocal moulin grille-pain aspirateur perceuse scie "
          "marteau échelle chariot panier caisse palette atelier quartier".split(),
}
ADJECTIVES = {
    "en": "durable cheap quiet bright compact heavy simple modular repairable portable foldable waterproof wireless "
          "smart open local recycled reusable efficient safe robust flexible soft hard warm small large long short "
          "fast slow easy useful affordable".split(),
    "fr": "durable économique silencieux lumineux compact léger lourd simple modulaire réparable portable pliable "
          "étanche connecté ouvert local recyclé réutilisable efficace sûr robuste souple solide chaud petit grand "
          "long court rapide lent facile utile abordable".split(),
}
VERBS = {
    "en": "build make fix replace charge connect measure print cut fold carry store share test improve reduce reuse "
          "recycle assemble install adjust clean protect support choose propose discuss ship sell buy lend borrow "
          "track monitor control save cool last break wear close lock unlock".split(),
    "fr": "construire fabriquer réparer remplacer charger brancher mesurer imprimer couper plier porter ranger "
          "partager tester améliorer réduire réutiliser recycler assembler installer régler nettoyer protéger "
          "soutenir choisir proposer discuter voter commander livrer vendre acheter prêter emprunter suivre "
          "contrôler économiser chauffer refroidir éclairer durer casser fermer ouvrir".split(),
}
SYLLABLES = {"en": "ba be bo bra cra de di fo ga gri ka ko la li lo ma mo na ne no pa pe po ra re ro sa se so "
                   "ta te to tra va ve vo za".split(),
             "fr": "ba bé bo bri ca cé co da dé do fa fé fo ga gé la lé lo ma mé mo na né no pa pé po ra ré "
                   "ro sa sé so ta té to va vé vo".split()}
ENDINGS = {"en": ["", "er", "ly", "ion", "ant", "ix", "on", "ware", "ing", "ed"],
           "fr": ["", "eur", "ette", "ment", "ière", "age", "é", "ique", "ion", "isme"]}
PSEUDO_WORDS = 1100  # per language: the long tail (brand names, jargon, rare words)


def _inflections(language: str) -> list[str]:
    """Real content words with some inflected forms (plurals, -ing/-ed, feminine), for the stemmers."""
    nouns, adjectives, verbs = NOUNS[language], ADJECTIVES[language], VERBS[language]
    if language == "en":
        plural = [n[:-1] + "ies" if n.endswith("y") and n[-2] not in "aeiou"
                  else n + "es" if n.endswith(("s", "x", "ch", "sh")) else n + "s" for n in nouns]
        forms = [v.rstrip("e") + "ing" for v in verbs] + [v.rstrip("e") + "ed" for v in verbs]
    else:
        plural = [n + "x" if n.endswith(("eau", "eu")) else n if n.endswith(("s", "x")) else n + "s" for n in nouns]
        forms = [a + "s" for a in adjectives if not a.endswith(("s", "x"))] + [v[:-2] + "é" for v in verbs
                                                                                if v.endswith("er")]
    return nouns + adjectives + verbs + plural + forms


class TextMaker:
    """Random French or English text with Zipf word frequencies over a fixed vocabulary."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words, self.cumulative, self.content = {}, {}, {}  # content: (words, cumulative) without function words
        for language in ("en", "fr"):
            real = list(dict.fromkeys(_inflections(language)))
            rng.shuffle(real)
            pseudo: set[str] = set()
            while len(pseudo) < PSEUDO_WORDS:
                stem = "".join(rng.choices(SYLLABLES[language], k=rng.choice((2, 2, 3))))
                pseudo.add(stem + rng.choice(ENDINGS[language]))
            content = real + sorted(pseudo - set(real))
            rng.shuffle(content[len(real):])
            words = FUNCTION[language] + content
            weights = [1.0 / (rank + 2.7) for rank in range(1, len(words) + 1)]
            self.words[language], self.cumulative[language] = words, list(accumulate(weights))
            self.content[language] = (content, list(accumulate(weights[len(FUNCTION[language]):])))

    def language(self) -> str:
        return "fr" if self.rng.random() < FRENCH_SHARE else "en"

    def _draw(self, language: str, count: int, content_only: bool = False) -> list[str]:
        words, cumulative = self.content[language] if content_only else (self.words[language],
                                                                          self.cumulative[language])
        return self.rng.choices(words, cum_weights=cumulative, k=count)

    def text(self, language: str, count: int) -> str:
        """About count words in sentences of 6-18 words and paragraphs of 2-4 sentences."""
        words, sentences, at = self._draw(language, count), [], 0
        while at < len(words):
            length = self.rng.randint(6, 18)
            sentence = words[at:at + length]
            at += length
            sentences.append(sentence[0].capitalize() + " " + " ".join(sentence[1:]) + ".")
        paragraphs, at = [], 0
        while at < len(sentences):
            length = self.rng.randint(2, 4)
            paragraphs.append(" ".join(sentences[at:at + length]))
            at += length
        return "\n\n".join(paragraphs)

    def title(self, language: str, low: int = 4, high: int = 8) -> str:
        words = self._draw(language, self.rng.randint(low, high), content_only=True)
        return " ".join(words).capitalize()

    def query(self, language: str) -> str:
        """Two distinct content words, each drawn by its frequency in the corpus."""
        while True:
            first, second = self._draw(language, 2, content_only=True)
            if first != second:
                return f"{first} {second}"


def queries(seed: int, count: int) -> list[str]:
    """count two-word queries over the vocabulary build(seed) wrote with, in the corpus's language mix."""
    maker = TextMaker(random.Random(seed + 8))
    maker.rng = random.Random(seed + 9)
    return [maker.query(maker.language()) for _ in range(count)]


def build(path: str, size: Size, seed: int = 42) -> dict:
    """Fill the migrated, empty SQLite file at path; returns facts about it (member id, projects, ...)."""
    t0 = time.perf_counter()
    users = size.users
    dataset.build(path, dataset.Size(ideas=size.ideas, votes=size.ideas * 2, users=users, projects=size.projects),
                  seed=seed)
    rng = random.Random(seed + 7)
    maker = TextMaker(random.Random(seed + 8))
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    con.execute("BEGIN")
    con.execute("UPDATE projects SET policy_idea='project', policy_vote='project', policy_spec='project', "
                "policy_partner_rnd='project'")
    ideas = con.execute("SELECT id, author_id, created_at FROM ideas ORDER BY id").fetchall()
    languages, texts = {}, []
    for idea_id, _author, _created in ideas:
        language = languages[idea_id] = maker.language()
        texts.append((maker.title(language)[:120], maker.text(language, rng.randint(15, 30))[:300],
                      maker.text(language, rng.randint(100, 160)), idea_id))
    con.executemany("UPDATE ideas SET title=?, summary=?, body=? WHERE id=?", texts)
    titles = {row[3]: row[0] for row in texts}
    del texts
    con.executemany("UPDATE spec_revisions SET problem=? WHERE idea_id=?",
                    [(maker.text(languages[i], rng.randint(40, 80)), i)
                     for (i,) in con.execute("SELECT idea_id FROM spec_revisions").fetchall()])

    # Posts: skewed over the ideas' threads, each after its thread opened, ids in time order.
    created = {i: datetime.strptime(c, dataset.TS_FORMAT) for i, _a, c in ideas}
    weights = [rng.lognormvariate(0.0, 1.2) for _ in ideas]
    targets = rng.choices([i for i, _a, _c in ideas], weights=weights, k=size.posts)
    stamps = sorted((created[i] + (now - created[i]) * rng.random(), i) for i in targets)
    counts, last = {}, {}
    post_rows = []
    for post_id, (when, idea_id) in enumerate(stamps, 1):
        counts[idea_id] = counts.get(idea_id, 0) + 1
        last[idea_id] = when
        language = languages[idea_id] if rng.random() < 0.8 else maker.language()
        post_rows.append((post_id, idea_id, rng.randint(2, users - dataset.N_BENCH_VOTERS),
                          maker.text(language, rng.randint(30, 80)), dataset._ts(when)))
    # every idea already has its thread (dataset.build opens them, as the app does): give it its posts
    con.executemany("UPDATE threads SET title=?, author_id=?, post_count=?, last_post_at=? WHERE idea_id=?",
                    [(titles[i][:160], author, counts.get(i, 0), dataset._ts(last.get(i, created[i])), i)
                     for i, author, _c in ideas])
    thread_of = dict(con.execute("SELECT idea_id, id FROM threads WHERE idea_id IS NOT NULL").fetchall())
    con.executemany("INSERT INTO posts (id, thread_id, author_id, body, reaction_count, created_at, hidden_reason, "
                    "pending) VALUES (?,?,?,?,0,?,'',0)",
                    [(post_id, thread_of[idea_id], *rest) for post_id, idea_id, *rest in post_rows])
    del post_rows

    # The bench member: a plain member of 10 % of the projects (role contributor).
    member_id = users + 1
    con.execute("INSERT INTO users (id, email, display_name, password_hash, profile_kind, skills, bio, "
                "is_moderator, is_admin, created_at, email_verified_at) VALUES (?,?,?,?,?,?,?,0,0,?,?)",
                (member_id, MEMBER_EMAIL, "Search Bench", dataset.password_hash(), "amateur", "", "",
                 dataset._ts(now), dataset._ts(now)))
    member_projects = sorted(rng.sample(range(1, size.projects + 1), max(1, size.projects // 10)))
    con.executemany("INSERT INTO project_memberships (project_id, user_id, role, created_at) "
                    "VALUES (?,?,'contributor',?)", [(p, member_id, dataset._ts(now)) for p in member_projects])
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    return {"member_id": member_id, "admin_id": ADMIN_ID, "member_projects": member_projects,
            "french": sum(v == "fr" for v in languages.values()) / len(languages), "users": users + 1,
            "vocabulary": sum(len(w) for w in maker.words.values()), "seconds": time.perf_counter() - t0}
