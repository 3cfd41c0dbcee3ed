"""Demonstration data: a real REP+ collège of the national directory with its people, classes,
internship weeks, employers, offers and applications, so a newcomer can try every journey.

``seed_demo(engine)`` is idempotent and atomic: everything is written in ONE transaction, keyed on
natural keys (e-mails, class names, (organisation, title), (offer, week), (pupil, offer, week)),
and a second run returns early once the demo principal exists. It is deterministic (fixed seeds):
the same reference data and the same day give the same demo.

Every demo account shares ``DEMO_PASSWORD``; the password is hashed once per run.

Staff use the académie's real e-mail domain and the principal the collège's real functional
address (``ce.<uai>@<domain>``), as the product requires. Demo databases must therefore never be
wired to a real SMTP server.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypedDict, TypeVar

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, SQLModel, col, select

from stages_app.models import (
    CV,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ClassFollow,
    Commune,
    CVVersion,
    InternshipWeek,
    Offer,
    OfferStatus,
    OfferWeek,
    Organisation,
    OrganisationKind,
    PupilProfile,
    RightsStatus,
    Role,
    School,
    SchoolClass,
    Sector,
    StaffFunction,
    StaffMembership,
    User,
    UserStatus,
    stored_id,
    utcnow,
)
from stages_app.services.applications import auto_cancel_reason
from stages_app.services.errors import DomainError
from stages_app.services.geo import bounding_box, haversine_km
from stages_app.services.offers import offer_search_text
from stages_app.services.passwords import hash_password
from stages_app.services.text import search_key, slug

__all__ = [
    "DEMO_ADMIN_EMAIL",
    "DEMO_CLASS_NAMES",
    "DEMO_CPE_EMAIL",
    "DEMO_EMPLOYER_EMAIL",
    "DEMO_EMPLOYER_EMAILS",
    "DEMO_MAIN_TEACHER_EMAIL",
    "DEMO_PASSWORD",
    "DEMO_PENDING_STAFF_EMAIL",
    "DEMO_PRINCIPAL_EMAIL",
    "DEMO_PUPIL_EMAIL",
    "DEMO_RADIUS_KM",
    "DEMO_TEACHER_EMAIL",
    "DEMO_WAITING_PUPIL_EMAIL",
    "PREFERRED_ACADEMY_DOMAIN",
    "PREFERRED_UAI",
    "demo_internship_weeks",
    "demo_logins",
    "principal_email",
    "seed_demo",
]

# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------

DEMO_PASSWORD = "Stages3e-demo!"
DEMO_SEED = 20263
DEMO_RADIUS_KM = 60.0

# Collège République, Bobigny (Seine-Saint-Denis, académie de Créteil): public, REP+, with more
# than 1,200 communes (including Paris) within 60 km. Checked against the School table at seed
# time; when it is missing the first REP+ public collège of the table is used instead.
PREFERRED_UAI = "0931194T"
PREFERRED_ACADEMY_DOMAIN = "ac-creteil.fr"

PUPIL_DOMAIN = "eleve.exemple.fr"
DEMO_CLASS_NAMES = ("3e A", "3e B")


def principal_email(uai: str, academy_domain: str) -> str:
    """The principal's functional address: ``ce.<uai in lower case>@<academy domain>``."""
    return f"ce.{uai.strip().lower()}@{academy_domain.strip().lower().lstrip('@')}"


@dataclasses.dataclass(frozen=True)
class _Staff:
    key: str
    first_name: str
    last_name: str
    role: Role
    function: StaffFunction
    status: RightsStatus
    label: str  # French, for demo_logins()

    def email(self, domain: str) -> str:
        return f"{slug(self.first_name)}.{slug(self.last_name)}@{domain}"


_PRINCIPAL = _Staff(
    "principal",
    "Hélène",
    "Mercier",
    Role.PRINCIPAL,
    StaffFunction.PRINCIPAL,
    RightsStatus.GRANTED,
    "Chef d'établissement",
)
_PP_A = _Staff(
    "pp_a",
    "Samir",
    "Haddad",
    Role.TEACHER,
    StaffFunction.PROFESSEUR_PRINCIPAL,
    RightsStatus.GRANTED,
    "Professeur principal (3e A)",
)
_PP_B = _Staff(
    "pp_b",
    "Claire",
    "Nguyen",
    Role.TEACHER,
    StaffFunction.PROFESSEUR_PRINCIPAL,
    RightsStatus.GRANTED,
    "Professeure principale (3e B)",
)
_TEACHER = _Staff(
    "teacher",
    "Julien",
    "Lefèvre",
    Role.TEACHER,
    StaffFunction.PROFESSEUR,
    RightsStatus.GRANTED,
    "Professeur (suit la 3e A et la 3e B)",
)
_CPE = _Staff(
    "cpe", "Aminata", "Diallo", Role.STAFF, StaffFunction.CPE, RightsStatus.GRANTED, "CPE"
)
_PENDING = _Staff(
    "pending",
    "Thomas",
    "Girard",
    Role.STAFF,
    StaffFunction.DOCUMENTALISTE,
    RightsStatus.PENDING,
    "Documentaliste (droits en attente)",
)
_STAFF = (_PRINCIPAL, _PP_A, _PP_B, _TEACHER, _CPE, _PENDING)

DEMO_PRINCIPAL_EMAIL = principal_email(PREFERRED_UAI, PREFERRED_ACADEMY_DOMAIN)
DEMO_MAIN_TEACHER_EMAIL = _PP_A.email(PREFERRED_ACADEMY_DOMAIN)
DEMO_TEACHER_EMAIL = _TEACHER.email(PREFERRED_ACADEMY_DOMAIN)
DEMO_CPE_EMAIL = _CPE.email(PREFERRED_ACADEMY_DOMAIN)
DEMO_PENDING_STAFF_EMAIL = _PENDING.email(PREFERRED_ACADEMY_DOMAIN)

DEMO_ADMIN_EMAIL = "admin@stages3e.exemple.fr"
_ADMIN_NAME = ("Camille", "Roux")


@dataclasses.dataclass(frozen=True)
class _Pupil:
    first_name: str
    last_name: str
    class_name: str
    # "open": authorisation recorded and access opened; "authorised": form received, access not
    # yet opened; "waiting": no signed form yet
    state: str

    @property
    def email(self) -> str:
        return f"{slug(self.first_name)}.{slug(self.last_name)}@{PUPIL_DOMAIN}"

    @property
    def key(self) -> str:
        return self.email.split("@")[0]


_PUPILS = (
    _Pupil("Yasmine", "Benali", "3e A", "open"),
    _Pupil("Lucas", "Martin", "3e A", "open"),
    _Pupil("Moussa", "Traoré", "3e A", "open"),
    _Pupil("Inès", "Bouzid", "3e A", "open"),
    _Pupil("Kevin", "Nguyen", "3e A", "open"),
    _Pupil("Aïcha", "Koné", "3e A", "open"),
    _Pupil("Enzo", "Da Silva", "3e A", "open"),
    _Pupil("Fatoumata", "Cissé", "3e A", "open"),
    _Pupil("Rayan", "Belkacem", "3e A", "open"),
    _Pupil("Léa", "Moreau", "3e A", "open"),
    _Pupil("Mehdi", "Aït Ahmed", "3e A", "open"),
    _Pupil("Sarah", "Cohen", "3e A", "authorised"),
    _Pupil("Ibrahim", "Diarra", "3e A", "waiting"),
    _Pupil("Nour", "El Amrani", "3e B", "open"),
    _Pupil("Adam", "Mendy", "3e B", "open"),
    _Pupil("Chloé", "Petit", "3e B", "open"),
    _Pupil("Samuel", "Kouassi", "3e B", "open"),
    _Pupil("Maëlys", "Dupont", "3e B", "open"),
    _Pupil("Ilyes", "Mansouri", "3e B", "open"),
    _Pupil("Jade", "Lopes", "3e B", "open"),
    _Pupil("Wassim", "Chérif", "3e B", "open"),
    _Pupil("Océane", "Baptiste", "3e B", "open"),
    _Pupil("Hugo", "Pereira", "3e B", "authorised"),
    _Pupil("Lina", "Zhang", "3e B", "waiting"),
    _Pupil("Ousmane", "Sylla", "3e B", "waiting"),
)
DEMO_PUPIL_EMAIL = _PUPILS[0].email  # yasmine.benali@eleve.exemple.fr, access opened
DEMO_WAITING_PUPIL_EMAIL = _PUPILS[12].email  # ibrahim.diarra@eleve.exemple.fr, no form yet
_MAIN_TEACHER_OF = {"3e A": _PP_A, "3e B": _PP_B}

# ---------------------------------------------------------------------------------------------
# Employers and their offers (written for 14-year-olds)
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _OfferTemplate:
    title: str
    sectors: tuple[str, ...]  # preferred sector names, best first
    description: str
    tutor_name: str
    tutor_role: str
    status: OfferStatus = OfferStatus.PUBLISHED


@dataclasses.dataclass(frozen=True)
class _Employer:
    first_name: str
    last_name: str
    email: str
    organisation: str
    kind: OrganisationKind
    phone: str  # ARCEP range reserved for fiction (01 99 00 xx xx)
    practical_info: str
    accessibility: str
    offers: tuple[_OfferTemplate, ...]


_T = _OfferTemplate
_BTP = "Bâtiment et travaux publics (BTP)"
_RESTO = "Hôtellerie, restauration"

_EMPLOYERS = (
    _Employer(
        "Nadia",
        "Rahmani",
        "nadia.rahmani@batiplus.exemple.fr",
        "Batiplus Rénovation",
        OrganisationKind.ENTREPRISE,
        "01 99 00 21 40",
        "Horaires : 8 h 30 – 12 h puis 13 h – 15 h 30, du lundi au vendredi. Rendez-vous le lundi "
        "à 8 h 30 à l'agence. Chaussures de sécurité et casque prêtés sur place. Pense à apporter "
        "ton déjeuner (micro-ondes disponible).",
        "",
        (
            _T(
                "Découverte d'un chantier de rénovation",
                (_BTP,),
                "Tu suivras une équipe qui rénove un immeuble : maçons, plaquistes, peintres, "
                "électriciens. Tu verras comment un chantier est organisé, comment on travaille en "
                "sécurité, et tu pourras participer à de petites tâches avec ton tuteur. Idéal si tu "
                "aimes le concret et le travail en équipe.",
                "Rachid Belhadj",
                "Chef de chantier",
            ),
            _T(
                "Électricien·ne du bâtiment : une semaine avec l'équipe",
                (_BTP, "Énergie", "Électronique"),
                "Tu accompagneras nos électriciens dans des logements en rénovation : lecture d'un "
                "plan, passage des câbles, pose des prises et du tableau électrique. Tu découvriras "
                "les règles de sécurité indispensables (on ne touche jamais un fil sous tension !). "
                "Tu observeras, tu poseras toutes tes questions et tu aideras quand c'est possible.",
                "Stéphane Caron",
                "Électricien, chef d'équipe",
            ),
            _T(
                "Plombier·ère chauffagiste : découverte du métier",
                (_BTP, "Énergie", "Maintenance"),
                "Salle de bains, chaudière, radiateurs : tu suivras un plombier chauffagiste dans ses "
                "interventions chez les clients. Tu verras comment on trouve l'origine d'une panne, "
                "comment on installe un équipement et comment on explique son travail au client.",
                "Jérôme Lambert",
                "Plombier chauffagiste",
            ),
            _T(
                "Bureau d'études : dessiner un bâtiment sur ordinateur",
                ("Architecture, urbanisme et paysage", _BTP),
                "Avant chaque chantier, notre bureau d'études dessine les plans et calcule les "
                "matériaux nécessaires. Tu découvriras les logiciels de dessin en 3D, tu iras voir le "
                "bâtiment réel pour comparer avec les plans et tu réaliseras ton propre petit plan. "
                "Si tu aimes les maths et le dessin, c'est pour toi !",
                "Linh Tran",
                "Dessinatrice-projeteuse",
            ),
            _T(
                "Installation de panneaux solaires",
                ("Énergie", "Environnement"),
                "Le soleil peut chauffer et éclairer une maison ! Tu découvriras comment on prépare "
                "l'installation de panneaux solaires : visite technique, calculs simples de "
                "production, préparation du matériel. Pour ta sécurité, tu resteras au sol pendant "
                "les travaux sur les toits.",
                "Mathieu Roussel",
                "Technicien énergies renouvelables",
            ),
            _T(
                "Conducteur·rice de travaux : organiser un chantier",
                (_BTP,),
                "Le conducteur de travaux, c'est le chef d'orchestre du chantier : planning, "
                "commandes, réunions avec les clients et les artisans. Tu le suivras toute la "
                "semaine, au bureau et sur les chantiers, et tu découvriras comment on s'organise "
                "pour que tout soit prêt à temps.",
                "Sandrine Morel",
                "Conductrice de travaux",
            ),
            _T(
                "Peintre en bâtiment et décoration",
                (_BTP, "Artisanat d'art", "Métiers d'art"),
                "Préparer les murs, choisir les couleurs, poser du papier peint : tu découvriras le "
                "métier de peintre en bâtiment avec une équipe qui rénove des appartements. Tu "
                "pourras t'entraîner sur un panneau d'essai. Vêtements qui ne craignent rien "
                "conseillés !",
                "Ahmed Zerrouki",
                "Peintre, chef d'équipe",
            ),
            _T(
                "Agence commerciale : accueillir et conseiller les clients",
                ("Commerce et distribution", "Marketing, publicité"),
                "Dans notre agence, des familles viennent préparer leurs projets de travaux. Tu "
                "observeras l'accueil, la préparation des devis et les rendez-vous avec les clients. "
                "Tu découvriras comment on écoute un client et comment on lui propose une solution "
                "adaptée à son budget.",
                "Émilie Garnier",
                "Responsable d'agence",
            ),
            _T(
                "Service comptabilité d'une entreprise du bâtiment",
                ("Comptabilité, gestion, ressources humaines", "Banque et assurance"),
                "Qui paie les fournisseurs ? Comment calcule-t-on le prix d'un chantier ? Tu "
                "découvriras le travail du service comptable : factures, tableaux de suivi, paie des "
                "salariés. Si tu aimes les chiffres et l'organisation, viens voir l'envers du décor !",
                "Véronique Pham",
                "Comptable",
            ),
            _T(
                "Magasin de matériaux : logistique et gestion du stock",
                ("Logistique et transport", "Transport et logistique", "Commerce et distribution"),
                "Tu découvriras notre magasin de matériaux : réception des livraisons, rangement, "
                "préparation des commandes pour les chantiers et inventaire. Tu verras comment un "
                "logiciel permet de savoir où se trouve chaque produit.",
                "Bruno Petitjean",
                "Magasinier",
                OfferStatus.UNPUBLISHED,
            ),
        ),
    ),
    _Employer(
        "Julie",
        "Fontaine",
        "julie.fontaine@saveurs-compagnie.exemple.fr",
        "Saveurs & Compagnie",
        OrganisationKind.ENTREPRISE,
        "01 99 00 35 12",
        "Horaires : 9 h – 12 h puis 13 h – 16 h (pas de travail de nuit ni le dimanche pour les "
        "stagiaires). Tenue de travail prêtée ; cheveux attachés. Le repas du midi est offert sur "
        "place.",
        "",
        (
            _T(
                "Boulanger·ère : les secrets du pain",
                ("Industrie alimentaire", _RESTO, "Artisanat d'art"),
                "Farine, eau, sel, levain… et beaucoup de savoir-faire ! Tu découvriras le fournil "
                "d'une de nos boulangeries : pétrissage, façonnage des baguettes, cuisson. Tu verras "
                "aussi la vente en boutique. Les stagiaires commencent à 9 h (les boulangers, eux, "
                "arrivent bien plus tôt !).",
                "Olivier Bernard",
                "Artisan boulanger",
            ),
            _T(
                "Pâtisserie : découvrir le travail du pâtissier",
                ("Industrie alimentaire", _RESTO, "Métiers d'art"),
                "Éclairs, tartes, entremets : tu observeras nos pâtissiers au laboratoire et tu "
                "pourras réaliser ta propre pâtisserie en fin de semaine. Tu découvriras l'importance "
                "de la précision, de l'hygiène et de la créativité.",
                "Mélanie Robin",
                "Cheffe pâtissière",
            ),
            _T(
                "Cuisine d'un restaurant : une semaine en brigade",
                (_RESTO,),
                "Tu rejoindras la brigade de notre restaurant : épluchage des légumes, mise en place, "
                "dressage des assiettes. Tu verras comment une équipe de cuisine s'organise pendant "
                "le « coup de feu » du midi. Il faut aimer bouger et travailler en équipe !",
                "Youssef Amrani",
                "Chef de cuisine",
            ),
            _T(
                "Réception d'hôtel : accueillir les voyageurs",
                ("Tourisme", _RESTO),
                "À la réception de notre hôtel, on accueille des voyageurs du monde entier. Tu "
                "découvriras l'enregistrement des clients, les réservations, les conseils de sorties "
                "et de visites… et tu pourras pratiquer ton anglais !",
                "Sofia Martins",
                "Responsable de la réception",
            ),
            _T(
                "Vente en boutique : conseiller les clients",
                ("Commerce et distribution",),
                "Tu découvriras le métier de vendeur dans une de nos boutiques : mise en rayon, "
                "présentation des produits, encaissement avec ta tutrice, conseils aux clients. Le "
                "sourire et la politesse sont tes meilleurs outils !",
                "Laetitia Dubois",
                "Responsable de boutique",
            ),
            _T(
                "Service en salle dans une brasserie",
                (_RESTO,),
                "Dresser les tables, accueillir les clients, présenter la carte : tu découvriras le "
                "service en salle d'une brasserie très fréquentée. Tu verras comment serveurs et "
                "cuisiniers communiquent pour que chaque assiette arrive chaude à la bonne table.",
                "Frédéric Blanc",
                "Maître d'hôtel",
            ),
            _T(
                "Communication : animer les réseaux sociaux d'une enseigne",
                ("Communication", "Marketing, publicité", "Audiovisuel"),
                "Photos des produits, vidéos courtes, calendrier des publications : tu découvriras "
                "comment notre service communication fait connaître nos boutiques. Tu participeras à "
                "une séance photo et tu proposeras tes propres idées de publication.",
                "Manon Ferreira",
                "Chargée de communication",
            ),
            _T(
                "Entrepôt : préparer les livraisons des magasins",
                ("Logistique et transport", "Transport et logistique"),
                "Chaque matin, nos camions livrent les boutiques. Tu découvriras la réception des "
                "marchandises, la préparation des commandes avec un scanner, le contrôle de la "
                "chaîne du froid et l'organisation des tournées de livraison.",
                "Abdoulaye Sow",
                "Chef d'équipe logistique",
            ),
            _T(
                "Qualité et hygiène alimentaire : le laboratoire",
                ("Industrie alimentaire", "Recherche", "Industrie chimique"),
                "Comment être sûr qu'un aliment peut être mangé sans danger ? Tu suivras notre "
                "technicienne qualité : prélèvements, contrôles de température, analyses simples et "
                "fiches de traçabilité. Blouse et charlotte fournies !",
                "Nathalie Vasseur",
                "Technicienne qualité",
            ),
            _T(
                "Ressources humaines : comment recrute-t-on ?",
                ("Comptabilité, gestion, ressources humaines", "Emploi, ressources humaines"),
                "Tu découvriras le service des ressources humaines : lecture des candidatures, "
                "préparation des entretiens, accueil des nouveaux salariés, plannings. Une bonne "
                "façon de comprendre ce que recherchent les employeurs !",
                "Julie Fontaine",
                "Chargée de recrutement",
                OfferStatus.DRAFT,
            ),
        ),
    ),
    _Employer(
        "Patrick",
        "Ndiaye",
        "patrick.ndiaye@agglo-deuxrives.exemple.fr",
        "Communauté d'agglomération des Deux Rives",
        OrganisationKind.ADMINISTRATION,
        "01 99 00 48 77",
        "Horaires : 9 h – 12 h puis 13 h 30 – 16 h 30. Rendez-vous le lundi à 9 h à l'accueil du "
        "site indiqué. Accès au restaurant du personnel (repas offert).",
        "Bâtiments accessibles aux personnes à mobilité réduite.",
        (
            _T(
                "Médiathèque : les coulisses d'une bibliothèque",
                ("Culture et patrimoine", "Édition, librairie, bibliothèque"),
                "Livres, BD, mangas, jeux vidéo : tu découvriras comment une médiathèque choisit, "
                "range et prête ses documents. Tu aideras à préparer une animation pour les enfants "
                "et tu pourras proposer ta propre sélection de lectures pour les ados.",
                "Anne-Sophie Leroy",
                "Bibliothécaire",
            ),
            _T(
                "Espaces verts : entretenir parcs et jardins",
                ("Environnement", "Agriculture", "Architecture, urbanisme et paysage"),
                "Avec les jardiniers de l'agglomération, tu découvriras l'entretien des parcs : "
                "plantations, taille, arrosage économe, protection de la biodiversité. Tu "
                "travailleras dehors, en équipe. Prévois des vêtements adaptés à la météo !",
                "Didier Lemaire",
                "Chef d'équipe espaces verts",
            ),
            _T(
                "Piscine intercommunale : métiers du sport et de la sécurité",
                ("Sport", "Sécurité"),
                "Maîtres-nageurs, agents d'accueil, techniciens qui surveillent la qualité de l'eau : "
                "tu découvriras tous les métiers d'une piscine. Tu assisteras à des cours de natation "
                "pour les enfants et à un exercice de secours.",
                "Maxime Guérin",
                "Maître-nageur sauveteur",
            ),
            _T(
                "Service informatique d'une collectivité",
                ("Informatique et réseaux",),
                "Ordinateurs des écoles, réseau des bâtiments publics, sites internet : tu suivras "
                "les techniciens informatiques dans leurs interventions. Tu verras comment on "
                "installe un poste, comment on protège les données et comment on aide les agents "
                "au téléphone.",
                "Nicolas Hoarau",
                "Technicien systèmes et réseaux",
            ),
            _T(
                "Accueil du public et état civil",
                ("Administration publique", "Droit et justice"),
                "Cartes d'identité, naissances, inscriptions : tu découvriras comment les agents "
                "accueillent et renseignent les habitants. Tu comprendras à quoi servent les "
                "documents officiels et pourquoi la confidentialité est si importante.",
                "Mariam Konaté",
                "Responsable de l'accueil",
            ),
            _T(
                "Crèche : accompagner les tout-petits",
                ("Social", "Paramédical", "Social, services à la personne"),
                "Auxiliaires de puériculture, éducatrices de jeunes enfants : tu observeras comment "
                "l'équipe de la crèche prend soin des bébés et des petits (repas, jeux, sieste, "
                "éveil). Tu participeras aux activités d'éveil avec ta tutrice.",
                "Valérie Marchetti",
                "Éducatrice de jeunes enfants",
            ),
            _T(
                "Police municipale : missions de tranquillité publique",
                ("Sécurité", "Droit et justice"),
                "Tu découvriras le quotidien des policiers municipaux : sécurité aux abords des "
                "écoles, prévention routière, centre de vidéoprotection, accueil du public. Tu "
                "resteras toujours avec ton tuteur et ne participeras pas aux interventions.",
                "Franck Morin",
                "Chef de service de police municipale",
            ),
            _T(
                "Conservatoire de musique et de danse",
                ("Arts du spectacle", "Enseignement"),
                "Cours de violon, de percussions, de danse hip-hop : tu découvriras la vie d'un "
                "conservatoire, des professeurs aux régisseurs qui préparent les concerts. Tu "
                "assisteras aux répétitions du spectacle de fin d'année.",
                "Élodie Perrin",
                "Régisseuse",
            ),
            _T(
                "Service communication : journal et site internet",
                ("Communication", "Audiovisuel", "Édition, librairie, bibliothèque"),
                "Comment informer tous les habitants ? Tu participeras à la préparation du magazine "
                "de l'agglomération : choix des sujets, interview, photos, mise en page et "
                "publication sur le site internet.",
                "Thibault Renaud",
                "Chargé de communication",
            ),
            _T(
                "Service urbanisme : comment construit-on une ville ?",
                ("Architecture, urbanisme et paysage", "Administration publique"),
                "Nouveaux logements, pistes cyclables, parcs : tu découvriras comment on imagine la "
                "ville de demain. Tu étudieras des plans, tu assisteras à une réunion de projet et "
                "tu iras sur le terrain avec l'urbaniste.",
                "Aïssatou Ba",
                "Urbaniste",
                OfferStatus.DRAFT,
            ),
        ),
    ),
    _Employer(
        "Karim",
        "Bensaïd",
        "karim.bensaid@passerelles-solidaires.exemple.fr",
        "Association Passerelles Solidaires",
        OrganisationKind.ASSOCIATION,
        "01 99 00 63 05",
        "Horaires : 9 h 30 – 12 h 30 puis 13 h 30 – 16 h 30. Ambiance conviviale : un goûter est "
        "offert le vendredi ! Pense à apporter ton repas (cuisine partagée).",
        "Locaux de plain-pied.",
        (
            _T(
                "Recyclerie : donner une seconde vie aux objets",
                ("Environnement", "Environnement, recyclage, valorisation des déchets"),
                "Meubles, vêtements, jouets : à la recyclerie, on répare et on revend des objets "
                "plutôt que de les jeter. Tu participeras au tri, à la réparation et à la mise en "
                "vente, et tu découvriras pourquoi le réemploi est bon pour la planète.",
                "Lucie Marchal",
                "Coordinatrice de la recyclerie",
            ),
            _T(
                "Épicerie solidaire : accueil et gestion des stocks",
                ("Social", "Commerce et distribution", "Social, services à la personne"),
                "Notre épicerie solidaire permet à des familles de faire leurs courses à petit prix. "
                "Tu participeras à la réception des produits, à la mise en rayon et à l'accueil des "
                "bénéficiaires, dans le respect de chacun.",
                "Fatou Camara",
                "Responsable de l'épicerie",
            ),
            _T(
                "Aide aux devoirs et animation jeunesse",
                ("Enseignement", "Social", "Enseignement, éducation"),
                "Chaque soir, des bénévoles aident les écoliers à faire leurs devoirs. Tu découvriras "
                "les métiers de l'animation et de l'éducation : préparer une activité, aider un "
                "enfant à lire, organiser un jeu. Patience et bonne humeur demandées !",
                "Jonathan Elbaz",
                "Animateur jeunesse",
            ),
            _T(
                "Radio associative : préparer une émission",
                ("Audiovisuel", "Communication"),
                "Micro, table de mixage, montage son : tu découvriras les coulisses de notre radio "
                "locale. Tu prépareras une courte chronique avec l'équipe et, si tu le souhaites, tu "
                "la présenteras à l'antenne en fin de semaine !",
                "Bastien Colin",
                "Animateur radio",
            ),
            _T(
                "Club de sport : animation et encadrement",
                ("Sport",),
                "Football, basket, boxe éducative : tu découvriras comment un éducateur sportif "
                "prépare et anime une séance pour les enfants du quartier. Tu participeras à "
                "l'encadrement et à l'organisation d'un petit tournoi.",
                "Ibrahima Keita",
                "Éducateur sportif",
            ),
            _T(
                "Atelier vélo : réparer et entretenir des vélos",
                ("Mécanique", "Maintenance"),
                "Crevaison, freins, dérailleur : à l'atelier vélo, on apprend à réparer soi-même. Tu "
                "découvriras les outils et les gestes du mécanicien cycle et tu aideras les "
                "adhérents à remettre leur vélo en état.",
                "Guillaume Fabre",
                "Mécanicien cycle",
            ),
            _T(
                "Compagnie de théâtre : les coulisses d'un spectacle",
                ("Arts du spectacle", "Culture et patrimoine"),
                "Comédiens, metteuse en scène, régisseur lumière, costumière : tu découvriras tous "
                "les métiers nécessaires à un spectacle. Tu assisteras aux répétitions et tu "
                "aideras à préparer le décor.",
                "Louise Arnaud",
                "Metteuse en scène",
            ),
            _T(
                "Atelier numérique : aider les seniors sur ordinateur",
                ("Informatique et réseaux", "Social"),
                "Envoyer un e-mail, faire un appel vidéo avec ses petits-enfants, prendre un "
                "rendez-vous en ligne : beaucoup de personnes âgées ont besoin d'aide. Tu "
                "accompagneras notre médiatrice numérique et tu deviendras toi-même « prof » "
                "d'informatique !",
                "Samia Larbi",
                "Médiatrice numérique",
            ),
            _T(
                "Jardin partagé et potager pédagogique",
                ("Agriculture", "Environnement"),
                "Semis, compost, récolte : dans notre jardin partagé, habitants et écoles cultivent "
                "ensemble. Tu découvriras le jardinage écologique et tu aideras à préparer un "
                "atelier pour des élèves de maternelle.",
                "Paul Lefranc",
                "Animateur nature",
            ),
            _T(
                "Atelier couture et upcycling",
                ("Mode", "Métiers d'art", "Artisanat d'art"),
                "Transformer un vieux jean en sac, réparer un vêtement : tu découvriras la couture "
                "et la création de mode responsable avec notre couturière. Tu repartiras avec ta "
                "propre création !",
                "Hawa Doumbia",
                "Couturière",
                OfferStatus.DRAFT,
            ),
        ),
    ),
)
DEMO_EMPLOYER_EMAILS = tuple(e.email for e in _EMPLOYERS)
DEMO_EMPLOYER_EMAIL = DEMO_EMPLOYER_EMAILS[0]

_STREETS = (
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "boulevard Gambetta",
    "rue Pasteur",
    "avenue du Général de Gaulle",
    "rue Jean Moulin",
    "rue de Paris",
    "avenue Henri Barbusse",
    "rue Louise Michel",
    "rue des Écoles",
    "allée des Tilleuls",
)

# ---------------------------------------------------------------------------------------------
# Applications: (pupil key, (employer index, offer index), week index, final status, letter,
# employer's answer or pupil's/system's reason, days ago of the first event)
# Weeks: 0 = the winter week, 1 and 2 = the two spring weeks.
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _App:
    pupil: str
    offer: tuple[int, int]
    week: int
    status: ApplicationStatus
    letter: str
    message: str = ""  # employer's answer (accepted/refused) or the reason (withdrawn)
    days_ago: int = 20
    # cancelled_auto: the accepted application (pupil, offer, week) that caused it
    cause: tuple[str, tuple[int, int], int] | None = None


_S = ApplicationStatus
_APPS = (
    _App(
        "yasmine.benali",
        (1, 2),
        0,
        _S.ACCEPTED,
        "Bonjour,\n\nJe m'appelle Yasmine Benali, j'ai 14 ans et je suis en 3e au {school} à "
        "{commune}. Je voudrais faire mon stage dans votre restaurant parce que j'adore cuisiner. "
        "Le week-end je prépare souvent le repas avec ma mère et je regarde toutes les émissions "
        "de cuisine !\n\nJe suis motivée, ponctuelle et je n'ai pas peur de travailler. J'aimerais "
        "voir comment fonctionne une vraie cuisine et comment les cuisiniers font pour aller aussi "
        "vite.\n\nMerci d'avoir lu ma lettre, j'espère que vous accepterez ma candidature.\n\n"
        "Yasmine Benali",
        "Bonjour Yasmine, ta lettre nous a fait très plaisir : nous t'accueillons avec joie ! "
        "Rendez-vous le lundi à 9 h à l'entrée du personnel. À bientôt, Youssef (chef de cuisine)",
        days_ago=24,
    ),
    _App(
        "yasmine.benali",
        (2, 0),
        0,
        _S.CANCELLED_AUTO,
        "Bonjour,\n\nJe suis en 3e et j'aime beaucoup lire, surtout des mangas et des romans "
        "fantastiques. Je vais à la médiathèque presque tous les mercredis et je me demande "
        "comment vous choisissez les livres. Je serais contente de découvrir votre travail "
        "pendant une semaine.\n\nCordialement,\nYasmine Benali",
        days_ago=23,
        cause=("yasmine.benali", (1, 2), 0),
    ),
    _App(
        "yasmine.benali",
        (2, 8),
        1,
        _S.SUBMITTED,
        "Bonjour,\n\nJe m'appelle Yasmine, je suis en 3e A. Au collège je m'occupe du journal de "
        "la classe avec ma prof de français et j'ai bien aimé faire des interviews. Je voudrais "
        "découvrir comment on fait un vrai magazine et un site internet. Je suis curieuse et "
        "j'aime écrire.\n\nMerci beaucoup !\nYasmine Benali",
        days_ago=6,
    ),
    _App(
        "yasmine.benali",
        (3, 3),
        2,
        _S.READ,
        "Bonjour,\n\nJ'écoute votre radio dans la voiture avec mon père. J'aimerais beaucoup "
        "savoir comment on prépare une émission et peut-être parler au micro ! Je suis un peu "
        "timide mais je veux progresser à l'oral pour le brevet.\n\nMerci de me répondre.\n"
        "Yasmine Benali",
        days_ago=9,
    ),
    _App(
        "yasmine.benali",
        (0, 3),
        2,
        _S.DRAFT,
        "Bonjour,\n\nJe m'appelle Yasmine Benali et je suis en 3e au {school}. J'aime les maths et "
        "le dessin, et je voudrais",
        days_ago=2,
    ),
    _App(
        "moussa.traore",
        (0, 0),
        0,
        _S.ACCEPTED,
        "Bonjour Madame, Monsieur,\n\nJe suis Moussa Traoré, élève de 3e A au {school}. Mon oncle "
        "travaille dans le bâtiment et il m'a déjà montré comment on monte une cloison. Ça m'a "
        "beaucoup plu et je voudrais voir un vrai chantier avec une équipe. Je suis sérieux, je "
        "respecte les consignes de sécurité et j'aime travailler avec mes mains.\n\nMerci de votre "
        "attention.\n\nMoussa Traoré",
        "Bonjour Moussa, c'est d'accord, nous t'accueillons avec plaisir ! Rendez-vous lundi à "
        "8 h 30 à l'agence, on te prêtera les chaussures de sécurité.",
        days_ago=26,
    ),
    _App(
        "moussa.traore",
        (3, 5),
        2,
        _S.CANCELLED_AUTO,
        "Bonjour,\n\nJ'aime beaucoup le vélo et je répare celui de mon petit frère. Je voudrais "
        "apprendre à faire les réglages comme un vrai mécanicien.\n\nMerci,\nMoussa Traoré",
        days_ago=15,
        cause=("moussa.traore", (0, 1), 1),
    ),
    _App(
        "moussa.traore",
        (0, 1),
        1,
        _S.ACCEPTED,
        "Bonjour,\n\nJe suis en 3e au {school} et je vais déjà faire un stage sur un chantier en "
        "décembre. Je voudrais aussi découvrir le métier d'électricien car je démonte souvent les "
        "appareils à la maison pour comprendre comment ils marchent (avec l'accord de mes "
        "parents !). Je suis motivé et curieux.\n\nCordialement,\nMoussa Traoré",
        "Bonjour Moussa, bonne nouvelle : Stéphane sera ton tuteur pendant cette semaine. "
        "Rendez-vous à l'agence le lundi à 8 h 30.",
        days_ago=16,
    ),
    _App(
        "kevin.nguyen",
        (2, 3),
        0,
        _S.ACCEPTED,
        "Bonjour,\n\nJe m'appelle Kevin Nguyen et je suis passionné d'informatique. J'ai monté mon "
        "ordinateur avec mon cousin et j'apprends à coder en Python sur internet. Je voudrais voir "
        "comment on gère les ordinateurs de toute une ville. Je suis calme, patient et j'aime "
        "résoudre des problèmes.\n\nMerci de lire ma candidature.\nKevin Nguyen",
        "Bonjour Kevin, ta lettre nous a beaucoup plu. Nous t'attendons le lundi à 9 h à "
        "l'accueil de l'hôtel d'agglomération. Nicolas, ton tuteur",
        days_ago=22,
    ),
    _App(
        "lucas.martin",
        (1, 0),
        1,
        _S.REFUSED,
        "Bonjour,\n\nJe voudrais faire mon stage dans votre boulangerie parce que plus tard "
        "j'aimerais peut-être devenir boulanger ou pâtissier. Le dimanche j'aide mon grand-père à "
        "faire des crêpes et des gâteaux. Je me lève tôt sans problème !\n\nMerci,\nLucas Martin",
        "Bonjour Lucas, merci pour ta lettre, on sent que tu es motivé ! Malheureusement notre "
        "boutique sera en travaux cette semaine-là et nous ne pourrons pas accueillir de "
        "stagiaire. Tu peux postuler pour la semaine suivante, nous aurons de la place. "
        "Bon courage !",
        days_ago=14,
    ),
    _App(
        "lucas.martin",
        (1, 0),
        2,
        _S.SUBMITTED,
        "Bonjour,\n\nComme vous me l'avez proposé, je postule pour la semaine suivante. Je suis "
        "toujours très motivé pour découvrir le fournil !\n\nLucas Martin",
        days_ago=5,
    ),
    _App(
        "ines.bouzid",
        (2, 5),
        0,
        _S.WITHDRAWN,
        "Bonjour,\n\nJ'ai deux petites sœurs et je m'occupe souvent d'elles. J'aimerais "
        "travailler plus tard avec les enfants, peut-être comme auxiliaire de puériculture. Je "
        "suis douce, patiente et responsable.\n\nMerci de votre réponse.\nInès Bouzid",
        "J'ai trouvé un stage dans la pharmacie de ma tante pour cette semaine, je préfère "
        "laisser la place à quelqu'un d'autre.",
        days_ago=25,
    ),
    _App(
        "ines.bouzid",
        (2, 2),
        1,
        _S.READ,
        "Bonjour,\n\nJe fais de la natation depuis l'âge de 8 ans. J'aimerais découvrir le métier "
        "de maître-nageur et voir comment on assure la sécurité des nageurs. Je suis sportive et "
        "sérieuse.\n\nInès Bouzid",
        days_ago=10,
    ),
    _App(
        "aicha.kone",
        (2, 6),
        0,
        _S.REFUSED,
        "Bonjour,\n\nJe voudrais devenir policière plus tard pour aider les gens et protéger mon "
        "quartier. Je voudrais découvrir votre travail pendant une semaine. Je suis courageuse, "
        "respectueuse et j'aime le sport.\n\nMerci,\nAïcha Koné",
        "Bonjour Aïcha, merci beaucoup pour ta candidature. Cette semaine-là, toute notre équipe "
        "sera mobilisée sur un grand événement et ne pourra pas encadrer de stagiaire. Ton projet "
        "est très intéressant : n'hésite pas à nous recontacter pour ton stage de seconde. Nous "
        "te souhaitons une belle réussite !",
        days_ago=21,
    ),
    _App(
        "aicha.kone",
        (1, 4),
        1,
        _S.SUBMITTED,
        "Bonjour,\n\nJ'aime la mode et le contact avec les gens. Je voudrais découvrir le métier "
        "de vendeuse et apprendre à conseiller les clients. Je suis souriante et polie.\n\n"
        "Merci d'avance,\nAïcha Koné",
        days_ago=8,
    ),
    _App(
        "nour.el-amrani",
        (3, 2),
        1,
        _S.ACCEPTED,
        "Bonjour,\n\nJe m'appelle Nour El Amrani, je suis en 3e B. Je voudrais devenir "
        "professeure des écoles. J'aide déjà mon petit frère à faire ses devoirs tous les soirs "
        "et j'aime expliquer. Votre association fait un travail important pour les enfants du "
        "quartier et je serais fière d'y participer.\n\nMerci,\nNour El Amrani",
        "Bonjour Nour, nous serons très heureux de t'accueillir ! Rendez-vous le lundi à 9 h 30 "
        "au local de l'association. Jonathan",
        days_ago=19,
    ),
    _App(
        "nour.el-amrani",
        (1, 6),
        2,
        _S.SUBMITTED,
        "Bonjour,\n\nJ'adore faire des montages vidéo sur mon téléphone et je voudrais savoir "
        "comment une entreprise utilise les réseaux sociaux. Je suis créative et organisée.\n\n"
        "Nour El Amrani",
        days_ago=4,
    ),
    _App(
        "chloe.petit",
        (3, 6),
        1,
        _S.ACCEPTED,
        "Bonjour,\n\nJe fais du théâtre au club du collège depuis la 5e et j'ai joué dans la pièce "
        "de fin d'année. J'aimerais découvrir les coulisses : la lumière, les costumes, la mise "
        "en scène. Je suis très motivée !\n\nChloé Petit",
        "Bonjour Chloé, bienvenue dans la compagnie ! Rendez-vous le lundi à 9 h 30 au théâtre, "
        "entrée des artistes. Louise",
        days_ago=18,
    ),
    _App(
        "chloe.petit",
        (2, 7),
        2,
        _S.READ,
        "Bonjour,\n\nJe joue de la guitare depuis 3 ans et je chante dans la chorale du collège. "
        "J'aimerais voir comment fonctionne un conservatoire et comment on prépare un concert.\n\n"
        "Merci beaucoup,\nChloé Petit",
        days_ago=11,
    ),
    _App(
        "adam.mendy",
        (1, 3),
        1,
        _S.DRAFT,
        "Bonjour,\n\nJe m'appelle Adam Mendy, je suis en 3e B. J'aime parler anglais et "
        "rencontrer des gens de",
        days_ago=1,
    ),
    _App(
        "enzo.da-silva",
        (0, 4),
        2,
        _S.SUBMITTED,
        "Bonjour,\n\nJe m'intéresse beaucoup à l'écologie et aux énergies renouvelables. On a "
        "fait un exposé sur l'énergie solaire en physique-chimie et ça m'a donné envie d'en "
        "savoir plus. Je suis curieux et j'aime comprendre comment les choses marchent.\n\n"
        "Cordialement,\nEnzo Da Silva",
        days_ago=7,
    ),
)
# Offer weeks that the demo fills completely (one seat, one accepted pupil): they leave the search.
_FULL_WEEKS = {((1, 2), 0), ((2, 3), 0)}

_PATHS = {
    _S.DRAFT: (_S.DRAFT,),
    _S.SUBMITTED: (_S.DRAFT, _S.SUBMITTED),
    _S.READ: (_S.DRAFT, _S.SUBMITTED, _S.READ),
    _S.ACCEPTED: (_S.DRAFT, _S.SUBMITTED, _S.READ, _S.ACCEPTED),
    _S.REFUSED: (_S.DRAFT, _S.SUBMITTED, _S.READ, _S.REFUSED),
    _S.WITHDRAWN: (_S.DRAFT, _S.SUBMITTED, _S.WITHDRAWN),
    _S.CANCELLED_AUTO: (_S.DRAFT, _S.SUBMITTED, _S.CANCELLED_AUTO),
}
_EMPLOYER_STEPS = {_S.READ, _S.ACCEPTED, _S.REFUSED}

# ---------------------------------------------------------------------------------------------
# CVs (JSON sections: about, school_path, interests, qualities, languages, experiences)
# ---------------------------------------------------------------------------------------------

_PRIMARY_SCHOOLS = (
    "Jean Jaurès",
    "Paul Éluard",
    "Pierre et Marie Curie",
    "Jules Ferry",
    "Louise Michel",
    "Anatole France",
    "Joséphine Baker",
    "Romain Rolland",
)


class _CVSpec(TypedDict):
    about: str
    interests: list[str]
    qualities: list[str]
    languages: list[str]
    experiences: list[str]


# a CV's JSON content: texts and lists of texts
_CVContent = dict[str, str | list[str]]

_CVS: dict[str, _CVSpec] = {
    "yasmine.benali": {
        "about": "Élève de 3e sérieuse et curieuse, j'aime cuisiner et écrire. Je cherche un stage "
        "pour découvrir un métier où l'on travaille en équipe.",
        "interests": [
            "Cuisine : je prépare des gâteaux pour toute la famille",
            "Lecture (mangas, romans fantastiques)",
            "Journal de la classe",
        ],
        "qualities": ["Ponctuelle", "Motivée", "Curieuse"],
        "languages": ["Français", "Arabe (parlé en famille)", "Anglais (LV1)", "Espagnol (LV2)"],
        "experiences": [
            "Journal de la classe en 4e : articles et interviews",
            "Vente de gâteaux pour financer le voyage scolaire",
        ],
    },
    "moussa.traore": {
        "about": "J'aime le concret et travailler avec mes mains. Plus tard j'aimerais travailler "
        "dans le bâtiment ou l'électricité.",
        "interests": ["Football (club du quartier)", "Bricolage avec mon oncle", "Jeux vidéo"],
        "qualities": ["Sérieux", "Respectueux des consignes", "Bon esprit d'équipe"],
        "languages": ["Français", "Bambara (parlé en famille)", "Anglais (LV1)"],
        "experiences": [
            "Aide à la rénovation de l'appartement familial (peinture)",
            "Délégué de classe en 5e",
        ],
    },
    "kevin.nguyen": {
        "about": "Passionné d'informatique, j'apprends à programmer en Python. Je voudrais devenir "
        "développeur ou technicien réseau.",
        "interests": ["Programmation", "Montage d'ordinateurs", "Échecs"],
        "qualities": ["Calme", "Patient", "Logique"],
        "languages": [
            "Français",
            "Vietnamien (parlé en famille)",
            "Anglais (LV1)",
            "Allemand (LV2)",
        ],
        "experiences": ["Club robotique du collège", "Aide informatique pour mes grands-parents"],
    },
    "lucas.martin": {
        "about": "Gourmand et matinal, je rêve d'ouvrir ma propre boulangerie-pâtisserie.",
        "interests": ["Pâtisserie", "Vélo", "Émissions de cuisine"],
        "qualities": ["Matinal", "Soigneux", "Persévérant"],
        "languages": ["Français", "Anglais (LV1)", "Espagnol (LV2)"],
        "experiences": [
            "Crêpes et gâteaux le dimanche avec mon grand-père",
            "Stand de la fête de l'école",
        ],
    },
    "ines.bouzid": {
        "about": "Sportive et responsable, j'aime m'occuper des autres, surtout des enfants.",
        "interests": ["Natation (club depuis 6 ans)", "Baby-sitting de mes sœurs", "Dessin"],
        "qualities": ["Patiente", "Responsable", "Sportive"],
        "languages": ["Français", "Arabe (notions)", "Anglais (LV1)"],
        "experiences": ["Aide-monitrice au stage de natation des petits (été dernier)"],
    },
    "aicha.kone": {
        "about": "Dynamique et souriante, j'aime le contact avec les gens et le sport.",
        "interests": ["Basket", "Mode", "Séries policières"],
        "qualities": ["Courageuse", "Souriante", "Respectueuse"],
        "languages": ["Français", "Dioula (parlé en famille)", "Anglais (LV1)", "Espagnol (LV2)"],
        "experiences": ["Éco-déléguée du collège", "Bénévole à la collecte des Restos du cœur"],
    },
    "nour.el-amrani": {
        "about": "J'aime expliquer et aider les autres ; je voudrais devenir professeure des "
        "écoles.",
        "interests": ["Montage vidéo", "Lecture", "Aide aux devoirs de mon petit frère"],
        "qualities": ["Pédagogue", "Organisée", "Créative"],
        "languages": ["Français", "Arabe (parlé en famille)", "Anglais (LV1)", "Espagnol (LV2)"],
        "experiences": ["Tutorat d'élèves de 6e au CDI", "Chaîne vidéo de recettes (privée)"],
    },
    "chloe.petit": {
        "about": "Passionnée de théâtre et de musique, je m'intéresse à tous les métiers du "
        "spectacle.",
        "interests": ["Théâtre (club du collège)", "Guitare", "Chorale"],
        "qualities": ["Motivée", "À l'écoute", "Imaginative"],
        "languages": ["Français", "Anglais (LV1)", "Italien (LV2)"],
        "experiences": [
            "Rôle principal dans la pièce de fin d'année de 4e",
            "Concert de la chorale à la mairie",
        ],
    },
    "adam.mendy": {
        "about": "Sociable et curieux, j'aime les langues et rencontrer des gens.",
        "interests": ["Voyages", "Football", "Séries en anglais"],
        "qualities": ["Sociable", "Poli", "Curieux"],
        "languages": ["Français", "Anglais (LV1, bon niveau)", "Portugais (notions)"],
        "experiences": ["Accueil des parents aux portes ouvertes du collège"],
    },
    "enzo.da-silva": {
        "about": "Intéressé par l'écologie et les sciences, j'aime comprendre comment les choses "
        "fonctionnent.",
        "interests": ["Énergies renouvelables", "Skate", "Maquettes"],
        "qualities": ["Curieux", "Méthodique", "Sérieux"],
        "languages": ["Français", "Portugais (parlé en famille)", "Anglais (LV1)"],
        "experiences": [
            "Exposé sur l'énergie solaire en physique-chimie",
            "Nettoyage des berges avec l'association du quartier",
        ],
    },
    "lea.moreau": {
        "about": "J'adore les animaux et la nature ; je me verrais bien vétérinaire ou soigneuse.",
        "interests": ["Équitation", "Photographie", "Jardinage"],
        "qualities": ["Douce", "Attentive", "Travailleuse"],
        "languages": ["Français", "Anglais (LV1)", "Allemand (LV2)"],
        "experiences": ["Aide au refuge pour animaux pendant les vacances"],
    },
    "rayan.belkacem": {
        "about": "Fan de sport automobile, j'aimerais découvrir la mécanique.",
        "interests": ["Mécanique", "Formule 1", "Football"],
        "qualities": ["Débrouillard", "Ponctuel", "Manuel"],
        "languages": ["Français", "Kabyle (parlé en famille)", "Anglais (LV1)"],
        "experiences": ["Réparation de scooters avec mon cousin"],
    },
}

# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def demo_internship_weeks(today: dt.date) -> tuple[int, list[dt.date]]:
    """(school year, [winter week, spring week 1, spring week 2]) — Mondays, all after ``today``.

    School year = 1 September – 31 August, named by the year of its 1 September. When this school
    year's winter week has started already, the next school year is used.
    """
    start_year = today.year if today.month >= 9 else today.year - 1
    for year in (start_year, start_year + 1):
        winter = _monday_on_or_after(dt.date(year, 12, 7))
        spring = _monday_on_or_after(dt.date(year + 1, 3, 15))
        if winter > today:
            return year, [winter, spring, spring + dt.timedelta(days=7)]
    raise AssertionError("unreachable")  # pragma: no cover


def seed_demo(engine: Engine) -> str:
    """Create the demo (idempotent, one transaction) and return a French summary."""
    for attempt in (1, 2):
        with Session(engine, expire_on_commit=False) as session:
            try:
                summary = _seed(session)
                session.commit()
                return summary
            except IntegrityError:
                # A concurrent seeding committed first: the second attempt finds it and returns.
                session.rollback()
                if attempt == 2:
                    raise
            except Exception:
                session.rollback()
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def demo_logins(engine: Engine | None = None) -> list[str]:
    """Printable lines: one demo login per role, with the shared password.

    The principal's and staff addresses depend on the demo collège: read from the database when
    the demo is there, else the preferred collège's (constants).
    """
    uai, domain, school_label = PREFERRED_UAI, PREFERRED_ACADEMY_DOMAIN, ""
    found = _seeded_school(engine)
    if found is not None:
        uai, domain, school_label = found
    rows = [
        (_PRINCIPAL.label, principal_email(uai, domain)),
        (_PP_A.label, _PP_A.email(domain)),
        (_TEACHER.label, _TEACHER.email(domain)),
        (_CPE.label, _CPE.email(domain)),
        (_PENDING.label, _PENDING.email(domain)),
        ("Élève (accès ouvert)", DEMO_PUPIL_EMAIL),
        ("Élève (autorisation parentale en attente)", DEMO_WAITING_PUPIL_EMAIL),
        ("Employeur (entreprise)", DEMO_EMPLOYER_EMAIL),
        ("Administrateur de la plateforme", DEMO_ADMIN_EMAIL),
    ]
    width = max(len(label) for label, _ in rows)
    email_width = max(len(email) for _, email in rows)
    title = "Comptes de démonstration"
    if school_label:
        title += f" — {school_label}"
    lines = [title + f" (mot de passe commun : {DEMO_PASSWORD})"]
    lines += [
        f"  {label:<{width}}  {email:<{email_width}}  {DEMO_PASSWORD}" for label, email in rows
    ]
    return lines


# ---------------------------------------------------------------------------------------------
# Implementation
# ---------------------------------------------------------------------------------------------


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def _academy_domain(school: School) -> str:
    domain = (school.academy_domain or "").strip().lower().lstrip("@")
    if domain:
        return domain
    if school.academy_name:
        return f"ac-{slug(school.academy_name)}.fr"
    return PREFERRED_ACADEMY_DOMAIN


def _school_label(school: School) -> str:
    return f"{school.name} ({school.uai}, {school.commune_name})"


def _seeded_school(engine: Engine | None) -> tuple[str, str, str] | None:
    """(uai, domain, label) of the school where the demo pupil is, or None (no DB, no demo)."""
    try:
        if engine is None:
            from stages_app.db import get_engine

            engine = get_engine()
            database = engine.url.database
            if engine.url.get_backend_name() == "sqlite" and (
                not database or database == ":memory:" or not Path(database).exists()
            ):
                return None  # do not create an empty database file just to print logins
        with Session(engine) as session:
            row = session.exec(
                select(School)
                .join(PupilProfile, col(PupilProfile.school_id) == School.id)
                .join(User, col(User.id) == PupilProfile.user_id)
                .where(User.email == DEMO_PUPIL_EMAIL)
            ).first()
            if row is None:
                return None
            return row.uai, _academy_domain(row), _school_label(row)
    except SQLAlchemyError:
        return None


def _choose_school(session: Session) -> School:
    """The demo collège: where the demo already is, else the preferred UAI, else a REP+ one."""
    existing = session.exec(
        select(School)
        .join(PupilProfile, col(PupilProfile.school_id) == School.id)
        .join(User, col(User.id) == PupilProfile.user_id)
        .where(User.email == DEMO_PUPIL_EMAIL)
    ).first()
    if existing is not None:
        return existing
    located = (col(School.latitude).is_not(None), col(School.longitude).is_not(None))
    preferred = session.exec(select(School).where(School.uai == PREFERRED_UAI, *located)).first()
    if preferred is not None:
        return preferred
    for extra in ((School.priority_education == "REP+",), ()):
        school = session.exec(
            select(School).where(*located, *extra).order_by(col(School.is_private), School.uai)
        ).first()
        if school is not None:
            return school
    raise DomainError(
        "Aucun collège dans la base : importez d'abord les référentiels nationaux "
        "(python -m stages_app.cli import-reference --data-dir DOSSIER), puis relancez seed-demo."
    )


_Row = TypeVar("_Row", bound=SQLModel)


def _get(session: Session, model: type[_Row], **keys: object) -> _Row | None:
    return session.exec(select(model).filter_by(**keys)).first()


class _Seeder:
    def __init__(self, session: Session, school: School, password_hash: str):
        self.session = session
        self.school = school
        self.domain = _academy_domain(school)
        self.password_hash = password_hash
        self.now = utcnow().replace(microsecond=0)
        self.today = dt.date.today()
        self.school_year, self.weeks = demo_internship_weeks(self.today)
        self.users: dict[str, User] = {}

    # -- helpers ---------------------------------------------------------------------------

    def at(self, days_ago: float, hour: int = 10, minute: int = 0) -> dt.datetime:
        """A past timestamp (aware UTC) ``days_ago`` days before now, at a given time of day."""
        day = (self.now - dt.timedelta(days=days_ago)).date()
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)
        return min(moment, self.now - dt.timedelta(minutes=1))

    def add(self, row: _Row) -> _Row:
        self.session.add(row)
        self.session.flush()
        return row

    def user(self, email: str, role: Role, first: str, last: str, days_ago: int) -> User:
        row = _get(self.session, User, email=email)
        if row is None:
            row = self.add(
                User(
                    email=email,
                    password_hash=self.password_hash,
                    role=role.value,
                    first_name=first,
                    last_name=last,
                    status=UserStatus.ACTIVE.value,
                    email_confirmed_at=self.at(days_ago, 18, 5),
                    created_at=self.at(days_ago, 18),
                )
            )
        self.users[email] = row
        return row

    # -- steps -----------------------------------------------------------------------------

    def staff(self) -> dict[str, User]:
        school = self.school
        people: dict[str, User] = {}
        principal = self.user(
            principal_email(school.uai, self.domain),
            Role.PRINCIPAL,
            _PRINCIPAL.first_name,
            _PRINCIPAL.last_name,
            60,
        )
        people["principal"] = principal
        if school.registered_at is None:
            school.registered_at = principal.created_at
            self.session.add(school)
        for i, member in enumerate(_STAFF):
            user = (
                principal
                if member is _PRINCIPAL
                else self.user(
                    member.email(self.domain),
                    member.role,
                    member.first_name,
                    member.last_name,
                    55 - 5 * i if member.status is RightsStatus.GRANTED else 3,
                )
            )
            people[member.key] = user
            if _get(self.session, StaffMembership, user_id=user.id) is None:
                granted = member.status is RightsStatus.GRANTED
                self.add(
                    StaffMembership(
                        user_id=stored_id(user),
                        school_id=stored_id(school),
                        function=member.function.value,
                        status=member.status.value,
                        created_at=user.created_at,
                        granted_by_id=None if member is _PRINCIPAL or not granted else principal.id,
                        granted_at=(user.created_at + dt.timedelta(hours=20)) if granted else None,
                    )
                )
        self.user(DEMO_ADMIN_EMAIL, Role.ADMIN, *_ADMIN_NAME, 90)
        return people

    def classes(self, people: dict[str, User]) -> dict[str, SchoolClass]:
        classes: dict[str, SchoolClass] = {}
        for name in DEMO_CLASS_NAMES:
            teacher = people[_MAIN_TEACHER_OF[name].key]
            row = _get(self.session, SchoolClass, school_id=self.school.id, name=name)
            if row is None:
                row = self.add(
                    SchoolClass(
                        school_id=stored_id(self.school),
                        name=name,
                        join_code=self._join_code(name),
                        access_open=True,
                        main_teacher_id=teacher.id,
                        created_at=self.at(50, 9),
                    )
                )
            classes[name] = row
            follower = people["teacher"]
            if _get(self.session, ClassFollow, user_id=follower.id, class_id=row.id) is None:
                self.add(
                    ClassFollow(
                        user_id=stored_id(follower),
                        class_id=stored_id(row),
                        created_at=self.at(38, 17),
                    )
                )
        return classes

    def _join_code(self, class_name: str) -> str:
        rng = random.Random(f"{DEMO_SEED}:join:{self.school.uai}:{class_name}")
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        while True:
            code = "".join(rng.choice(alphabet) for _ in range(8))
            if _get(self.session, SchoolClass, join_code=code) is None:
                return code

    def pupils(self, people: dict[str, User], classes: dict[str, SchoolClass]) -> None:
        rng = random.Random(f"{DEMO_SEED}:pupils")
        for i, pupil in enumerate(_PUPILS):
            # after sign-up (39-45 days ago), before the first application (26 days ago at most)
            received = rng.randint(30, 38)
            opened = received - rng.randint(1, 3)
            active = rng.randint(0, 4)
            user = self.user(
                pupil.email, Role.STUDENT, pupil.first_name, pupil.last_name, 45 - i % 7
            )
            if _get(self.session, PupilProfile, user_id=user.id) is not None:
                continue
            teacher = people[_MAIN_TEACHER_OF[pupil.class_name].key]
            profile = PupilProfile(
                user_id=stored_id(user),
                school_id=stored_id(self.school),
                class_id=stored_id(classes[pupil.class_name]),
                created_at=user.created_at,
            )
            if pupil.state in ("open", "authorised"):
                profile.authorisation_received_on = (self.now - dt.timedelta(days=received)).date()
                profile.authorisation_recorded_by_id = teacher.id
            if pupil.state == "open":
                profile.access_opened_at = self.at(opened, 16, 45)
                profile.access_opened_by_id = teacher.id
                profile.last_activity_at = self.at(active, 19, 30)
            self.add(profile)

    def internship_weeks(self, principal: User) -> None:
        for week in self.weeks:
            if (
                _get(self.session, InternshipWeek, school_id=self.school.id, week_start=week)
                is None
            ):
                self.add(
                    InternshipWeek(
                        school_id=stored_id(self.school),
                        week_start=week,
                        school_year=self.school_year,
                        created_by_id=principal.id,
                        created_at=self.at(48, 11),
                    )
                )

    def communes(self) -> tuple[list[Commune], list[Commune], list[Commune]]:
        """Where offers go, so they sit both next to the collège and across the 60 km:
        near: the 12 nearest towns of 10,000+ inhabitants within 15 km (the collège's own
        included); popular: the 30 most populated within 60 km (at most 5 arrondissements of one
        city); far: the 12 most populated between 20 and 60 km."""
        lat, lon = self.school.latitude, self.school.longitude
        if lat is None or lon is None:  # the demo's own collège, unlocated by a later import
            raise DomainError(
                "Le collège de démonstration n'est pas géolocalisé : importez à nouveau les "
                "référentiels nationaux, puis relancez seed-demo."
            )
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, DEMO_RADIUS_KM)
        rows = self.session.exec(
            select(Commune).where(
                col(Commune.latitude).between(min_lat, max_lat),
                col(Commune.longitude).between(min_lon, max_lon),
            )
        ).all()
        # Paris, Lyon, Marseille: use their arrondissements, not the whole city's centroid.
        parents = {c.parent_insee_code for c in rows if c.parent_insee_code}
        inside = [
            (haversine_km(lat, lon, c.latitude, c.longitude), c)
            for c in rows
            if c.latitude is not None and c.longitude is not None and c.insee_code not in parents
        ]
        inside = [(d, c) for d, c in inside if d <= DEMO_RADIUS_KM]
        by_distance = sorted(inside, key=lambda dc: (dc[0], dc[1].insee_code))
        near = [c for d, c in by_distance if d <= 15 and c.population >= 10_000][:12]
        if len(near) < 4:
            near = [c for _, c in by_distance][:12]
        popular: list[Commune] = []
        per_city: Counter[str] = Counter()
        for _, commune in sorted(inside, key=lambda dc: (-dc[1].population, dc[1].insee_code)):
            city = commune.parent_insee_code or commune.insee_code
            if per_city[city] < 5:
                per_city[city] += 1
                popular.append(commune)
            if len(popular) == 30:
                break
        far = [
            c
            for d, c in sorted(inside, key=lambda dc: (-dc[1].population, dc[1].insee_code))
            if d >= 20
        ][:12]
        return near, popular, far

    def sector_resolver(self) -> Callable[[Iterable[str], int], Sector]:
        sectors = self.session.exec(select(Sector).order_by(Sector.name)).all()
        active = [s for s in sectors if s.active] or list(sectors)
        if not active:
            raise DomainError(
                "Aucun secteur professionnel dans la base : importez d'abord les référentiels "
                "nationaux (python -m stages_app.cli import-reference), puis relancez seed-demo."
            )
        by_key = {search_key(s.name): s for s in active}

        def resolve(names: Iterable[str], fallback_index: int) -> Sector:
            for name in names:
                found = by_key.get(search_key(name))
                if found is not None:
                    return found
            return active[fallback_index % len(active)]

        return resolve

    def employers(self) -> dict[tuple[int, int], Offer]:
        rng = random.Random(f"{DEMO_SEED}:offers")
        near, popular, far = self.communes()
        resolve = self.sector_resolver()
        required = self._required_weeks()
        offers: dict[tuple[int, int], Offer] = {}
        for e_index, employer in enumerate(_EMPLOYERS):
            owner = self.user(
                employer.email,
                Role.EMPLOYER,
                employer.first_name,
                employer.last_name,
                70 - 3 * e_index,
            )
            org = _get(self.session, Organisation, owner_id=owner.id)
            if org is None:
                org = self.add(
                    Organisation(
                        owner_id=stored_id(owner),
                        name=employer.organisation,
                        kind=employer.kind.value,
                        phone=employer.phone,
                        created_at=owner.created_at,
                    )
                )
            for o_index, template in enumerate(employer.offers):
                key = (e_index, o_index)
                # Every random draw happens whether or not the row exists: same demo every time.
                pool = popular
                if o_index % 2 == 0 and near:
                    pool = near
                elif o_index in (3, 7) and far:
                    pool = far
                commune = pool[rng.randrange(len(pool))] if pool else None
                street = f"{rng.randint(1, 140)} {rng.choice(_STREETS)}"
                created_days = rng.randint(30, 60)
                n_weeks = rng.choice((1, 2, 2, 3, 3))
                chosen = set(rng.sample(range(len(self.weeks)), n_weeks))
                seats = {w: rng.randint(1, 4) for w in range(len(self.weeks))}
                offer = _get(self.session, Offer, organisation_id=org.id, title=template.title)
                if offer is None:
                    offer = self._offer(org, template, key, commune, street, created_days, resolve)
                offers[key] = offer
                for week_index in sorted(chosen | set(required.get(key, {}))):
                    week = self.weeks[week_index]
                    if (
                        _get(self.session, OfferWeek, offer_id=offer.id, week_start=week)
                        is not None
                    ):
                        continue
                    count = seats[week_index]
                    if (key, week_index) in _FULL_WEEKS:
                        count = 1
                    count = max(count, required.get(key, {}).get(week_index, 0))
                    self.add(
                        OfferWeek(
                            offer_id=stored_id(offer),
                            week_start=week,
                            seats=count,
                            accepted_count=0,
                            latitude=offer.latitude,
                            longitude=offer.longitude,
                            searchable=False,
                        )
                    )
        return offers

    def _offer(
        self,
        org: Organisation,
        template: _OfferTemplate,
        key: tuple[int, int],
        commune: Commune | None,
        street: str,
        created_days: int,
        resolve: Callable[[Iterable[str], int], Sector],
    ) -> Offer:
        school = self.school
        if commune is not None:
            insee = commune.insee_code
            name = commune.full_name if 0 < len(commune.full_name or "") <= 120 else commune.name
            postal = (commune.postal_codes or "").split(";")[0][:5] or school.postal_code
            lat, lon = commune.latitude, commune.longitude
        else:  # no gazetteer around the collège: the collège's own commune
            insee, name, postal = school.commune_insee, school.commune_name, school.postal_code
            lat, lon = school.latitude, school.longitude
        # communes() raised for an unlocated collège and kept located communes only
        assert lat is not None and lon is not None
        employer = _EMPLOYERS[key[0]]
        published = template.status in (OfferStatus.PUBLISHED, OfferStatus.UNPUBLISHED)
        created = self.at(created_days, 14)
        return self.add(
            Offer(
                organisation_id=stored_id(org),
                title=template.title,
                description=template.description,
                sector_id=stored_id(resolve(template.sectors, key[0] * 10 + key[1])),
                street=street,
                postal_code=postal,
                commune_insee=insee,
                commune_name=name,
                latitude=lat,
                longitude=lon,
                geocode_precision="commune",
                tutor_name=template.tutor_name,
                tutor_role=template.tutor_role,
                practical_info=employer.practical_info,
                accessibility=employer.accessibility,
                status=template.status.value,
                created_at=created,
                updated_at=self.at(created_days - 2, 9) if published else created,
                published_at=self.at(created_days - 2, 9) if published else None,
                search_text=offer_search_text(template.title, template.description, org.name),
            )
        )

    @staticmethod
    def _required_weeks() -> dict[tuple[int, int], dict[int, int]]:
        """Offer weeks the applications need, with the seats their accepted pupils take."""
        required: dict[tuple[int, int], dict[int, int]] = {}
        for app in _APPS:
            weeks = required.setdefault(app.offer, {})
            weeks[app.week] = weeks.get(app.week, 0) + (app.status is _S.ACCEPTED)
        return required

    def cvs(self) -> dict[str, _CVContent]:
        contents: dict[str, _CVContent] = {}
        for i, pupil in enumerate(_PUPILS):
            spec = _CVS.get(pupil.key)
            if spec is None:
                continue
            year = self.school_year
            content: _CVContent = {
                "about": spec["about"],
                "school_path": [
                    f"{year - 3} – aujourd'hui : {self.school.name}, {self.school.commune_name} "
                    f"(actuellement en {pupil.class_name})",
                    f"{year - 8} – {year - 3} : école élémentaire "
                    f"{_PRIMARY_SCHOOLS[i % len(_PRIMARY_SCHOOLS)]}, {self.school.commune_name}",
                ],
                "interests": spec["interests"],
                "qualities": spec["qualities"],
                "languages": spec["languages"],
                "experiences": spec["experiences"],
            }
            contents[pupil.key] = content
            user = self.users[pupil.email]
            cv = _get(self.session, CV, student_id=user.id)
            if cv is None:
                cv = self.add(
                    CV(
                        student_id=stored_id(user),
                        content=json.dumps(content, ensure_ascii=False),
                        updated_at=self.at(30 - i, 20),
                    )
                )
            if pupil.email == DEMO_PUPIL_EMAIL:
                name = "Mon premier CV"
                if _get(self.session, CVVersion, cv_id=cv.id, name=name) is None:
                    first = dict(content, experiences=content["experiences"][:1])
                    self.add(
                        CVVersion(
                            cv_id=stored_id(cv),
                            name=name,
                            created_at=self.at(35, 20),
                            content=json.dumps(first, ensure_ascii=False),
                        )
                    )
        return contents

    def applications(
        self, offers: dict[tuple[int, int], Offer], cvs: dict[str, _CVContent]
    ) -> None:
        accepted_at: dict[tuple[str, tuple[int, int], int], dt.datetime] = {}
        for app in sorted(_APPS, key=lambda a: a.cause is not None):  # causes first
            pupil = next(p for p in _PUPILS if p.key == app.pupil)
            student = self.users[pupil.email]
            offer = offers[app.offer]
            week = self.weeks[app.week]
            offer_week = _get(self.session, OfferWeek, offer_id=offer.id, week_start=week)
            assert offer_week is not None  # employers() added every week the applications need
            org = _get(self.session, Organisation, id=offer.organisation_id)
            assert org is not None  # foreign key
            owner_id = org.owner_id
            times = [
                self.at(app.days_ago - step, 17 + step % 3, 10 * step)
                for step in range(len(_PATHS[app.status]))
            ]
            if app.status is _S.CANCELLED_AUTO and app.cause is not None:
                times[-1] = accepted_at[app.cause] + dt.timedelta(seconds=1)
            if app.status is _S.ACCEPTED:
                accepted_at[(app.pupil, app.offer, app.week)] = times[-1]
            existing = _get(
                self.session, Application, student_id=student.id, offer_id=offer.id, week_start=week
            )
            if existing is not None:
                continue
            letter = app.letter.format(school=self.school.name, commune=self.school.commune_name)
            sent = app.status is not _S.DRAFT
            row = self.add(
                Application(
                    student_id=stored_id(student),
                    offer_id=stored_id(offer),
                    offer_week_id=stored_id(offer_week),
                    week_start=week,
                    school_year=self.school_year,
                    status=app.status.value,
                    letter=letter,
                    letter_sent=letter if sent else None,
                    cv_sent=json.dumps(cvs[app.pupil], ensure_ascii=False) if sent else None,
                    answer_message=app.message if app.status in (_S.ACCEPTED, _S.REFUSED) else "",
                    created_at=times[0],
                    submitted_at=times[1] if sent else None,
                    updated_at=times[-1],
                )
            )
            previous = None
            for status, moment in zip(_PATHS[app.status], times, strict=True):
                if status in _EMPLOYER_STEPS:
                    actor = owner_id
                elif status is _S.CANCELLED_AUTO:
                    actor = None
                else:
                    actor = student.id
                self.session.add(
                    ApplicationEvent(
                        application_id=stored_id(row),
                        from_status=previous and previous.value,
                        to_status=status.value,
                        actor_id=actor,
                        reason=self._reason(app, status, week),
                        at=moment,
                    )
                )
                previous = status
            if app.status is _S.ACCEPTED:
                offer_week.accepted_count += 1
                self.session.add(offer_week)
        self.session.flush()

    @staticmethod
    def _reason(app: _App, status: ApplicationStatus, week: dt.date) -> str:
        if status in (_S.ACCEPTED, _S.REFUSED, _S.WITHDRAWN) and status is app.status:
            return app.message
        if status is _S.CANCELLED_AUTO:  # the very reasons services.applications records
            return auto_cancel_reason(
                week, two_internships=app.cause is not None and app.cause[2] != app.week
            )
        return ""

    def refresh_searchable(self, offers: dict[tuple[int, int], Offer]) -> None:
        for offer in offers.values():
            published = offer.status == OfferStatus.PUBLISHED.value
            for week in self.session.exec(select(OfferWeek).where(OfferWeek.offer_id == offer.id)):
                searchable = published and week.accepted_count < week.seats
                if week.searchable != searchable:
                    week.searchable = searchable
                    self.session.add(week)
        self.session.flush()


def _summary(session: Session, school: School, *, created: bool) -> str:
    classes = session.exec(
        select(func.count())
        .select_from(SchoolClass)
        .where(SchoolClass.school_id == school.id, col(SchoolClass.name).in_(DEMO_CLASS_NAMES))
    ).one()
    pupils = session.exec(
        select(func.count()).select_from(PupilProfile).where(PupilProfile.school_id == school.id)
    ).one()
    org_ids = session.exec(
        select(Organisation.id)
        .join(User, col(User.id) == Organisation.owner_id)
        .where(col(User.email).in_(DEMO_EMPLOYER_EMAILS))
    ).all()
    offers = (
        session.exec(
            select(func.count()).select_from(Offer).where(col(Offer.organisation_id).in_(org_ids))
        ).one()
        if org_ids
        else 0
    )
    published = (
        session.exec(
            select(func.count())
            .select_from(Offer)
            .where(
                col(Offer.organisation_id).in_(org_ids),
                Offer.status == OfferStatus.PUBLISHED.value,
            )
        ).one()
        if org_ids
        else 0
    )
    statuses = (
        Counter(
            session.exec(
                select(Application.status)
                .join(Offer, col(Offer.id) == Application.offer_id)
                .where(col(Offer.organisation_id).in_(org_ids))
            ).all()
        )
        if org_ids
        else Counter()
    )
    head = "Démo prête" if created else "Démo déjà présente, rien n'a été ajouté"
    return (
        f"{head} : {_school_label(school)}, {classes} classes, {pupils} élèves, "
        f"{len(org_ids)} employeurs, {offers} offres ({published} publiées), "
        f"{sum(statuses.values())} candidatures ({statuses.get('accepted', 0)} acceptées)."
    )


def _seed(session: Session) -> str:
    school = _choose_school(session)
    domain = _academy_domain(school)
    if _get(session, User, email=principal_email(school.uai, domain)) is not None:
        return _summary(session, school, created=False)
    seeder = _Seeder(session, school, hash_password(DEMO_PASSWORD))
    people = seeder.staff()
    classes = seeder.classes(people)
    seeder.pupils(people, classes)
    seeder.internship_weeks(people["principal"])
    offers = seeder.employers()
    cvs = seeder.cvs()
    seeder.applications(offers, cvs)
    seeder.refresh_searchable(offers)
    return _summary(session, school, created=True)
