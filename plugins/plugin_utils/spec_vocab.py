"""The spec filter's vocabulary, as data: key and column synonyms in each language,
providers, queue and cache technologies, negation words, time zones.

Everything a reader matches a word against lives here, so that teaching the filter a new
synonym or language is a change to these tables, not to the readers. Keys are compared
after :func:`norm` (lowercase, accents removed, punctuation squeezed to spaces).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# the combining marks NFKD splits off letters (Latin, Greek, Cyrillic accents and the rarer
# extended and supplementary blocks)
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lowercase without accents: 'Não usamos' -> 'nao usamos'. Each line is folded by
    several readers, hence the cache."""
    if not text or text.isascii():
        return (text or "").lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


@lru_cache(maxsize=4096)
def norm(text: str) -> str:
    """'Domínio', '**Public  hostname:**' -> 'dominio', 'public hostname'."""
    return " ".join(re.findall(r"[a-z0-9+#]+", fold(text)))


def _table(spec: dict[str, str]) -> dict[str, str]:
    """{'canonical': 'syn1 | syn2'} -> {'syn1': canonical, ...}, normalised."""
    out: dict[str, str] = {}
    for canonical, synonyms in spec.items():
        for synonym in synonyms.split("|"):
            out[norm(synonym)] = canonical
    return out


# Keys of key/value lines and two-column tables -> the fact they state.
KEYS = _table(
    {
        "name": "naam | nome applicazione | nome dell applicazione | applicatie | app naam | "
        "project | project name | app | app name | application | application name | "
        "service name | service | name | product | projeto | proyecto | projekt | projet | "
        "nome | nombre | "
        "anwendung | applicazione | aplicacion | aplicacao | nome da aplicacao | "
        "nombre de la aplicacion | name der anwendung | nom de l application | app naam | "
        "nom | nom du projet | nome do projeto | nombre del proyecto",
        "repository": "repository | repo | source | git | github | gitlab | repositorio",
        "domain": "domein | dominio pubblico | publiek domein | domain | domains | "
        "custom domain | public domain | hostname | host name | "
        "public hostname | fqdn | public url | url | api url | api domain | app domain | "
        "primary domain | site | website | dominio | domaine | nom de domaine | "
        "dominio publico | domain name | server name | host | public host | "
        "adresse publique | adresse du site | adresse web | public address | web address | "
        "endereco publico | direccion publica | indirizzo pubblico | offentliche adresse | "
        "oeffentliche adresse | publiek adres",
        "aliases": "alias dominio | domini aggiuntivi | extra domeinen | aliases | alias | "
        "alternate domains | additional domains | other domains | "
        "redirect domains | also served at | also served on | also on | www | redirects | "
        "secondary domain | secondary domains | alias domains | outros dominios | "
        "dominios adicionais | dominios adicionales | zusatzliche domains | "
        "domaines supplementaires | domaines additionnels | weitere domains | weitere domain | "
        "zusatzliche domain | dominio adicional | dominio aggiuntivo | also serves | "
        "old name | legacy domain | alte domain | legacy hostname | old hostname | old domain | "
        "previous domain | ancien domaine | dominio antiguo | dominio antigo | "
        "otros dominios | weitere domains | autres domaines",
        "image": "immagine | containerimage | image | docker image | container image | "
        "app image | imagem | imagen | image docker | imagem docker | imagen docker | "
        "docker-image | immagine docker | image du conteneur | imagen del contenedor",
        "port": "poort | porta applicazione | containerpoort | port | app port | "
        "internal port | container port | listen port | http port | "
        "application port | api port | porta | puerto | anwendungsport | port interne | "
        "port im container | porta do container | puerto del contenedor | port du conteneur | "
        "listens on | listen on | listening port | internal port | porta interna | "
        "puerto interno | interner port | poort | porta del container",
        "health": "gezondheidscontrole | health endpoint | controllo salute | salute | "
        "gezond | health | health check | healthcheck | health checks | health check path | "
        "health endpoint | healthcheck path | liveness | readiness | verificacao de saude | "
        "health-check | chequeo de salud | verificacion de salud | verification de sante | "
        "gesundheitscheck | zustandsprufung | sante | salud | saude | endpoint de saude | "
        "liveness probe | readiness probe | health route | health url | controllo di salute",
        "replicas": "aantal replica s | replica s | aantal instanties | numero di repliche | "
        "replicas | instances | number of instances | min instances | "
        "instance count | web replicas | num replicas | qty | replicas web | "
        "anzahl instanzen | instanzen | instancias | instancias web | replicas do app | copies | "
        "replica count | number of copies | scale | instanz | repliche | istanze | "
        "aantal instanties | instanties",
        "memory": "geheugen | geheugenlimiet | memoria ram | memory | ram | memory limit | "
        "mem limit | mem_limit | mem | ram limit | "
        "memoria | speicher | arbeitsspeicher | memoire | memoire vive | limite de memoria | "
        "speicherlimit",
        "cpu": "processoren | processori | cpu | cpus | vcpu | vcpus | cpu limit | cores | "
        "nucleos | kerne",
        "restart": "riavvio | herstartbeleid | herstart | politica di riavvio | restart | "
        "restart policy | restart policies | reinicio | neustart | "
        "politica de reinicio | redemarrage",
        "grace": "arret gracieux | arresto controllato | graceful shutdown | "
        "stop grace period | shutdown timeout | graceful drain | "
        "drain | drain timeout | graceful stop | stop timeout | kill timeout",
        "timeout": "request timeout | request timeouts | proxy timeout | read timeout | "
        "delai d attente des requetes | delai d attente | tiempo de espera de solicitudes | "
        "zeitlimit | anfrage timeout | tempo limite de requisicao | tempo limite de requisicao no "
        "nginx | tempo limite | tiempo de espera de peticion | delai d attente nginx | "
        "upstream timeout | proxy read timeout | timeout | tempo limite | tiempo de espera",
        "rate": "rate limit | rate limits | rate limiting | throttling | limite de taxa | "
        "anfragen limit | anfragenlimit | limite de solicitudes | limite de peticiones | "
        "limitation des requetes | limite de requetes | "
        "limite de requisicoes | limitacion de tasa | ratenbegrenzung | limitation de debit",
        "body": "maximale uploadgrootte | dimensione massima upload | body size limit | "
        "max upload | upload limit | client max body size | "
        "taille maximale des envois | tamano maximo de subida | tamanho maximo de upload | "
        "maximale upload grosse | maximale uploadgrosse | "
        "max body size | request body limit | body limit | max request size | upload size",
        "pool": "connection pool | connection pooling | pool size | db pool | pool | "
        "pool de conexiones | pool de conexoes | verbindungspool | pool de connexions",
        "max_connections": "connessioni massime | maximale verbindingen | max verbindingen | "
        "max connections | maximum connections | max connection | "
        "max_connections | conexiones maximas | conexoes maximas | maximale verbindungen | "
        "connexions maximales | max verbindungen | maximo de conexiones | maximo de conexoes",
        "database": "databank | database | db | primary database | primary db | datastore | "
        "data store | "
        "database provider | database hosting | database host | database engine | "
        "database server | managed database | banco de dados | base de datos | datenbank | "
        "base de donnees | bdd | postgresql | postgres | postgresql version | postgres version",
        "redis": "redis | cache | cache store | queue | cache queue | fila | cola",
        "backup": "reservekopie | reservekopieen | backup | backups | backup schedule | "
        "backup retention | backup frequency | "
        "backup policy | database backups | db backups | snapshots | sauvegardes | "
        "sauvegarde | sicherung | sicherungen | datensicherung | copias de seguridad | "
        "respaldo | respaldos | copia de seguranca",
        "retention": "bewaren | bewaartijd | retention | keep | kept | retencao | "
        "retencion | aufbewahrung | conservation",
        "log_rotation": "log rotation | docker log rotation | logs rotation | log retention | "
        "rotacao de logs | rotacion de logs | logrotation | log-rotation | docker logs",
        "offsite": "offsite | off site | backup target | backup destination | destination | "
        "off site copy | offsite copy | copy to | remote copy | stored at | upload to | "
        "externe kopie | copia externa | copie externe | copia esterna | externe kopie | "
        "stored in | storage | destino | ziel | speicherort",
        "ssh": "ssh | ssh access | ssh port | remote access | acces ssh | acesso ssh | "
        "acceso ssh | ssh zugang",
        "logs": "logs | logging | log aggregation | log shipping | log shipper | "
        "log management | log search | centralized logging",
        "server": "hardware specificaties | server | host | vps | machine | instance type | "
        "server size | droplet | box | "
        "hardware | instance | ec2 | hetzner | linode | the box | servidor | maquina virtual | "
        "proveedor | provider | anbieter | fournisseur | hosting | vm | "
        "servidor | maquina | serveur | size | plan | host size",
        "ports": "open poorten | porte aperte | open ports | public ports | firewall | "
        "exposed ports | inbound | "
        "portas abertas | puertos abiertos | offene ports | ports ouverts | "
        "open to the internet | open | public | exposed | firewall open | ufw | "
        "ports open | inbound ports | abertas | abiertos | offen | ouverts",
        "auth_paths": "auth endpoints | login endpoints | auth locations | auth routes",
        "version": "versione | versie | version | versao | version de",
        "policy": "politica di eviction | eviction policy | maxmemory policy | "
        "memory policy | maxmemory-policy | "
        "eviction",
        "persistence": "persistenza | persistence | persistencia | persistenz",
        "max_memory": "memoria massima | maximaal geheugen redis | max memory | maxmemory",
        "command": "commando | startcommando | command | start command | cmd | run command | "
        "comando | befehl | commande | "
        "start | entrypoint | startbefehl | comando de inicio | comando di avvio | "
        "commande de demarrage | commande de lancement | comando de arranque | "
        "comando de inicializacao | startkommando",
        "process_types": "process types | processes | processos | procesos | prozesse | "
        "processus | dynos | process list | tipos de processo | tipos de proceso",
    }
)

# Column headers of tables -> the column's meaning.
COLUMNS = _table(
    {
        "name": "component | service | svc | name | process | role | container | processo | "
        "proceso | procesos | prozess | processus | "
        "onderdeel dienst | componente servizio | "
        "servico | servicio | dienst | composant | komponente | componente | app | conteneur | "
        "contenedor | contentor | conteiner",
        "image": "image docker | imagem docker | imagen docker | image | docker image | "
        "container image | imagem | imagen",
        "port": "port | internal port | container port | porta | puerto | ports",
        "memory": "memory | mem | ram | ram limit | memory limit | mem limit | memoria | "
        "geheugen | "
        "speicher | arbeitsspeicher | memoire | limits memory",
        "cpu": "cpu | cpus | vcpu | vcpus | cores",
        "replicas": "replicas | # | qty | count | instances | min instances | replicas web | "
        "repliche | replica s | aantal | "
        "scale | anzahl | instancias | instances web | nb",
        "command": "command | cmd | start command | run | comando | befehl | commande | commando",
        "when": "when | frequency | schedule | time | frequencia | frecuencia | haufigkeit | "
        "frequence | horario | zeit | heure | cron",
        "keep": "keep | retention | kept | retencao | retencion | aufbewahrung | conservation",
        "where": "where | destination | target | storage | destino | ziel | speicherort",
        "what": "what | backup | type | kind | backup type | data | tipo | art | quoi",
        "technology": "technology | tech | tecnologia | technologie",
        "strategy": "strategy",
        "initial": "initial | start | current",
        "endpoint": "external endpoint | endpoint | url | external | public url",
        "limits": "limits | limit | hard limit | caps",
        "health": "health check | health | healthcheck | liveness | readiness",
        "exposure": "exposed | public | access | exposure | visibility",
    }
)

# The first cell words of two-column key/value tables.
KV_HEADS_FIRST = {
    "property",
    "setting",
    "settings",
    "item",
    "aspect",
    "key",
    "parameter",
    "field",
    "option",
    "what",
    "variable",
    "attribute",
    "config",
    "configuration",
    "parametro",
    "propriedade",
    "einstellung",
    "parametre",
    "valeur",
    "chave",
    "clave",
    "onderdeel",
    "voce",
    "instelling",
    "impostazione",
}
KV_HEADS_SECOND = {
    "value",
    "values",
    "configuration",
    "details",
    "how",
    "setting",
    "valor",
    "wert",
    "valeur",
    "detalhes",
    "detalles",
    "waarde",
    "valore",
}

# Words that put a section outside production, or elsewhere.
DEV_WORDS = {"local", "development", "dev", "staging", "ci", "ci/cd", "cicd", "test", "testing"}
DEV_WORDS |= {"preview", "desenvolvimento", "desarrollo", "entwicklung", "developpement"}
OFFBOX_WORDS = {"frontend", "front-end", "vercel", "netlify"}
# Sections about what was, or what was weighed and not chosen: not the deployment.
HISTORY_HEADINGS = re.compile(
    r"^(?:\d+[.)]?\s*)?(?:context|background|current (?:setup|state|situation)|as-is|status quo|"
    r"legacy|history|alternatives?(?: considered)?|options(?: considered)?|considered options|"
    r"rejected(?: alternatives| options)?|achtergrond|contexte|contexto|hintergrund|ausgangslage|"
    r"antecedentes|contesto|situazione attuale|situation actuelle|estado actual|ist-zustand|"
    r"huidige situatie)(?:\s+(?:and|&|et|e|y|und|en)\s+[\w ]{0,30})?\s*:?$",
    re.I,
)

# Negation: "we don't use Redis", "Não usamos Redis", "Kein Redis", "Pas de Redis".
NEGATION_RE = re.compile(
    r"\b(?:no|not|never|without|don'?t|do not|does not|doesn'?t|won'?t|isn'?t|"
    r"nao|sem|nenhum|sin|ni|kein|keine|keinen|ohne|nicht|pas|sans|aucun|aucune|"
    r"n'utilisons|n'utilise|disabled?|off|none|nope|geen|niet|non|nessun|nessuna|senza)\b|❌|✗|✘",
    re.IGNORECASE,
)

# Job-queue technologies that keep their jobs in Redis (they need noeviction).
QUEUE_RE = re.compile(
    r"\b(sidekiq|bullmq|bull|bee-queue|celery|rq|resque|horizon|queue:work|kue|asynq|"
    r"dramatiq|arq|huey|faktory|oban)\b",
    re.IGNORECASE,
)
QUEUE_NOT_REDIS = {"oban", "faktory"}

# Process roles by the words of their name or command.
PROCESS_ROLE_RES = (
    (
        "scheduler",
        re.compile(
            r"\b(beat|scheduler|schedule:work|schedule:run|clock|cron|crond|supercronic|"
            r"whenever|periodic|timer|agendador|programador)\b",
            re.I,
        ),
    ),
    (
        "monitoring",
        re.compile(
            r"\b(flower|exporter|bull[- ]?board|sidekiq[- ]?web|monitor|metrics|dashboard)\b", re.I
        ),
    ),
    (
        "worker",
        re.compile(
            r"\b(worker|workers|sidekiq|celery|bullmq|queue|jobs?|consumer|rq|resque|"
            r"horizon|queue:work|good_job|delayed_job|solid_queue|oban|background|trabalhador)\b",
            re.I,
        ),
    ),
)

DB_PROVIDERS = [
    (
        r"\bself[- ]hosted\b|\bon the (?:same )?(?:box|server|vps|host|machine)\b|\bon-box\b|"
        r"\bin a container\b|\bnext to the app\b|\bon the new box\b|"
        r"\bno mesmo servidor\b|\ben el mismo servidor\b|\bauf dem server\b|"
        r"\bsur le (?:meme )?serveur\b",
        "self-hosted",
        False,
    ),
    (r"\brds\b|\baurora\b", "rds", True),
    (r"\bcloud\s*sql\b", "cloud-sql", True),
    (r"\bsupabase\b", "supabase", True),
    (r"\bneon\b", "neon", True),
    (r"\bcrunchy bridge\b", "crunchy-bridge", True),
    (r"\bazure database\b", "azure", True),
    (r"\bheroku[- ]postgres(?:ql)?\b", "heroku", True),
    (r"\brailway\b", "railway", False),
    (r"\bheroku\b", "heroku", False),
    (r"\brender\b", "render", False),
    (r"\bdigitalocean\b|\bdo managed\b", "digitalocean", False),
    (r"\bfly postgres\b", "fly", True),
]
REDIS_PROVIDERS = [
    (r"\bupstash\b", "upstash"),
    (r"\belasticache\b", "elasticache"),
    (r"\bredis (?:cloud|enterprise)\b", "redis-cloud"),
    (r"\bmemorystore\b", "memorystore"),
    (r"\brailway\b", "railway"),
    (r"\bazure cache\b", "azure"),
]
OFFSITE_PROVIDERS = [
    (r"\bbackblaze\b|\bb2\b", "backblaze-b2"),
    (
        r"\bdigitalocean spaces?\b|\bdo spaces\b|\bspaces?\b(?: (?:de|on|in|at) )?digitalocean|"
        r"\bspaces\b",
        "do-spaces",
    ),
    (r"\bcloudflare r2\b|\br2\b", "cloudflare-r2"),
    (r"\bwasabi\b", "wasabi"),
    (r"\bstorage box\b", "hetzner-storage-box"),
    (r"\bgcs\b|\bgoogle cloud storage\b", "gcs"),
    (r"\bazure blob\b", "azure-blob"),
    (r"\brsync\b", "rsync"),
    (r"\bs3\b|\bamazon s3\b", "s3"),
]

# Backup frequency words in each language -> cron without the time.
FREQUENCIES = [
    (
        r"\bhourly\b|\bevery hour\b|\bde hora em hora\b|\bcada hora\b|\bstundlich\b|"
        r"\btoutes les heures\b",
        "hourly",
    ),
    (
        r"\bnightly\b|\bdaily\b|\bevery (?:day|night)\b|\bdiari[oa]s?\b|\btodas as noites\b|"
        r"\btodas las noches\b|\btaglich\b|\bnachtlich\b|\bquotidien(?:ne)?s?\b|\bchaque nuit\b|"
        r"\bchaque jour\b|\bcada noche\b|\bcada dia\b|\bjede nacht\b|\bper day\b|\b/day\b",
        "daily",
    ),
    (
        r"\bweekly\b|\bevery week\b|\bsemana(?:l|is)\b|\bsemanal(?:es)?\b|\bwochentlich\b|"
        r"\bhebdomadaire\b",
        "weekly",
    ),
    (
        r"\bmonthly\b|\bevery month\b|\bmensa(?:l|is|les)\b|\bmonatlich\b|\bmensuel(?:le)?\b",
        "monthly",
    ),
]
WEEKDAYS = {
    "sun": 0,
    "sunday": 0,
    "domingo": 0,
    "sonntag": 0,
    "dimanche": 0,
    "mon": 1,
    "monday": 1,
    "segunda": 1,
    "lunes": 1,
    "montag": 1,
    "lundi": 1,
    "tue": 2,
    "tuesday": 2,
    "terca": 2,
    "martes": 2,
    "dienstag": 2,
    "mardi": 2,
    "wed": 3,
    "wednesday": 3,
    "quarta": 3,
    "miercoles": 3,
    "mittwoch": 3,
    "mercredi": 3,
    "thu": 4,
    "thursday": 4,
    "quinta": 4,
    "jueves": 4,
    "donnerstag": 4,
    "jeudi": 4,
    "fri": 5,
    "friday": 5,
    "sexta": 5,
    "viernes": 5,
    "freitag": 5,
    "vendredi": 5,
    "sat": 6,
    "saturday": 6,
    "sabado": 6,
    "samstag": 6,
    "samedi": 6,
}

# Time zones written as words, with their standard (winter) offset in minutes; IANA names
# (Europe/Berlin) are resolved with zoneinfo.
ZONE_WORDS = {
    "utc": 0,
    "gmt": 0,
    "z": 0,
    "cet": 60,
    "mez": 60,
    "cest": 120,
    "mesz": 120,
    "wet": 0,
    "bst": 60,
    "eet": 120,
    "brt": -180,
    "brasilia": -180,
    "horario de brasilia": -180,
    "hora de brasilia": -180,
    "sao paulo": -180,
    "heure de paris": 60,
    "paris": 60,
    "berlin": 60,
    "madrid": 60,
    "lisboa": 0,
    "lisbon": 0,
    "est": -300,
    "edt": -240,
    "cst": -360,
    "cdt": -300,
    "mst": -420,
    "mdt": -360,
    "pst": -480,
    "pdt": -420,
    "ist": 330,
    "jst": 540,
    "aest": 600,
    "art": -180,
    "buenos aires": -180,
    "mexico": -360,
    "ciudad de mexico": -360,
    "bogota": -300,
    "lima": -300,
    "santiago": -240,
    "hora de madrid": 60,
    "heure francaise": 60,
    "deutsche zeit": 60,
}

# Technologies.
POSTGRES_RE = re.compile(
    r"\bpostgres(?:ql)?\b(?:\s*:?\s*(?:version|versao|versión|versione|versie)?\s*v?(\d+)"
    r"(?:\.[\dx]+)?)?",
    re.IGNORECASE,
)
REDIS_RE = re.compile(
    r"\bredis\b(?:\s*:?\s*(?:version|versao|versión|versione|versie)?\s*v?(\d+)(?:\.[\dx]+)?)?",
    re.IGNORECASE,
)
OTHER_DB_RE = re.compile(r"\b(mysql|mariadb|mongodb|mongo|dynamodb|cockroachdb)\b", re.I)
LOKI_RE = re.compile(r"\b(loki|grafana alloy|alloy)\b", re.IGNORECASE)
PAAS_RE = re.compile(
    r"\b(railway|vercel|heroku|netlify|cloud run|app engine|fly\.io|render\.com|nixpacks|"
    r"buildpacks?|elastic beanstalk|app runner|azure app service|app platform)\b",
    re.IGNORECASE,
)
AUTOSCALE_RE = re.compile(r"auto-?scal|scales? to zero|\bautomatic\b", re.IGNORECASE)
NO_DOCKER_RE = re.compile(
    r"\bno docker\b|\bwithout docker\b|\bnot (?:use|run) docker\b|\bdocker-free\b", re.IGNORECASE
)

WEB_NAMES = {"api", "app", "web", "backend", "server", "http", "rest api", "backend api"}
WEB_NAMES |= {"application", "web api", "rails", "django", "site", "frontend-api", "main"}
SKIP_KEYS = {"alternative", "alternatives", "fallback", "option", "options", "note", "notes"}
SKIP_KEYS |= {"example", "e g", "eg", "nota", "hinweis", "remarque", "todo"}
GENERIC_TITLE = set(
    [
        "infrastructure",
        "architecture",
        "specification",
        "specifications",
        "spec",
        "requirements",
        "requirement",
        "production",
        "overview",
        "deployment",
        "design",
        "document",
        "level",
        "system",
        "technical",
        "the",
        "and",
        "of",
        "for",
        "a",
        "an",
        "readme",
        "plan",
        "setup",
        "implementation",
        "backend",
        "server",
        "professional",
        "single",
        "vps",
        "deploy",
        "go",
        "live",
        "golive",
        "launch",
        "notes",
        "ops",
        "operations",
        "handbook",
        "guide",
        "runbook",
        "hosting",
        "production-ready",
        "prod",
        "wip",
        "draft",
        "readiness",
        "review",
        "sheet",
        "steckbrief",
        "betriebssteckbrief",
        "betriebskonzept",
        "betriebshandbuch",
        "dokumentation",
        "infraestrutura",
        "especificacao",
        "despliegue",
        "exploitation",
        "dossier",
        "fiche",
        "handover",
        "summary",
        "thread",
        "pinned",
        "runbook",
        "notes",
        "config",
        "configuration",
        "stack",
        "hosting",
        "infra",
        "ops",
        "platform",
        "go-live",
        "checklist",
        "especificacao",
        "requisitos",
        "infraestrutura",
        "especificacion",
        "requisitos",
        "infraestructura",
        "anforderungen",
        "infrastruktur",
        "spezifikation",
        "exigences",
        "specification",
        "de",
        "do",
        "da",
        "del",
        "la",
        "le",
        "der",
        "die",
        "das",
        "des",
        "du",
        "et",
        "e",
        "y",
        "und",
    ]
)
GENERIC_TITLE |= set(
    [
        "components",
        "component",
        "services",
        "compose",
        "environment",
        "data",
        "network",
        "processes",
        "runtime",
        "application",
        "how",
        "runs",
        "run",
        "set",
        "up",
        "edge",
        "server",
        "servers",
    ]
)
URL_ENV = {"API_URL", "APP_URL", "PUBLIC_URL", "BASE_URL", "SITE_URL", "APP_DOMAIN", "DOMAIN"}
URL_ENV |= {"PUBLIC_HOST", "HOSTNAME", "SERVER_NAME", "APP_HOST", "HOST", "VIRTUAL_HOST"}
URL_ENV |= {"RAILS_HOST", "CANONICAL_HOST", "APP_BASE_URL", "NEXTAUTH_URL", "PHX_HOST"}
URL_ENV |= {"SERVER_HOST", "PUBLIC_DOMAIN", "WEB_HOST", "DEFAULT_HOST", "ROOT_URL"}
POOL_ENV = {"POOL_SIZE", "DB_POOL", "DB_POOL_SIZE", "DATABASE_POOL", "DATABASE_POOL_SIZE"}
POOL_ENV |= {"PG_POOL_SIZE", "PGPOOL_SIZE", "DB_POOL_MAX", "DATABASE_POOL_MAX"}
HOSTS_ENV = {"ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "APP_HOSTS"}
SECRET_PARTS = {
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "TOKEN",
    "KEY",
    "APIKEY",
    "CREDENTIALS",
    "CREDENTIAL",
    "DSN",
    "SALT",
    "PRIVATE",
    "CERT",
}
NOT_SECRET_NAMES = {"KEY_PREFIX", "PUBLIC_KEY_ID", "AUTH_URL", "AUTH_DOMAIN", "OAUTH_CALLBACK_URL"}


# Compiled forms of the tables above, and one union each to skip text that names none.
DB_PROVIDER_RES = [(re.compile(p), name, db_only) for p, name, db_only in DB_PROVIDERS]
DB_PROVIDER_ANY = re.compile("|".join(f"(?:{p})" for p, _unused, _unused in DB_PROVIDERS))
REDIS_PROVIDER_RES = [(re.compile(p, re.I), name) for p, name in REDIS_PROVIDERS]
OFFSITE_PROVIDER_RES = [(re.compile(p), name) for p, name in OFFSITE_PROVIDERS]
FREQUENCY_RES = [(re.compile(p), name) for p, name in FREQUENCIES]

# Substrings one of which a text must contain before the regexes above are worth running.
DB_PROVIDER_HINTS = (
    "rds",
    "aurora",
    "cloud",
    "supabase",
    "neon",
    "crunchy",
    "azure",
    "heroku",
    "railway",
    "render",
    "digitalocean",
    "do managed",
    "fly",
    "self",
    "on the",
    "on-box",
    "container",
    "next to",
    "new box",
    "mesmo",
    "mismo",
    "auf dem",
    "sur le",
)
QUEUE_HINTS = (
    "sidekiq",
    "bull",
    "celery",
    "rq",
    "resque",
    "horizon",
    "queue:work",
    "kue",
    "asynq",
    "dramatiq",
    "arq",
    "huey",
    "faktory",
    "oban",
)


@lru_cache(maxsize=64)
def _hint_re(hints: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(hint) for hint in hints))


_HINT_RES: dict[int, tuple[tuple[str, ...], re.Pattern[str]]] = {}


def has_any(text: str, hints: tuple[str, ...]) -> bool:
    # by identity: the hint tuples are module constants, and hashing one costs more than the
    # search (the entry holds the tuple, so its id is not reused while it is there)
    entry = _HINT_RES.get(id(hints))
    if entry is None or entry[0] is not hints:
        if len(_HINT_RES) > 256:
            _HINT_RES.clear()
        entry = _HINT_RES[id(hints)] = (hints, _hint_re(hints))
    return entry[1].search(text) is not None


# Counts written as words ('two replicas', 'zwei Instanzen', 'une seule instance').
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "um": 1,
    "uma": 1,
    "dois": 2,
    "duas": 2,
    "tres": 3,
    "quatro": 4,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "cuatro": 4,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "single": 1,
    "sola": 1,
    "unica": 1,
    "seule": 1,
    "einzige": 1,
    "eine": 1,
    "ein": 1,
    "une": 1,
    "un": 1,
    "seven": 7,
    "eight": 8,
}
