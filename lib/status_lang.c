/*
 * NAME
 *	status_lang - the meanings of enhanced status codes, translated
 * SYNOPSIS
 *	#include "dsnexplain.h"
 *
 *	const char *dsnx_code_meaning_lang(const dsnx_code *code,
 *		const char *lang);
 * DESCRIPTION
 *	dsnx_code_meaning_lang() gives the short meaning of a registered
 *	subject.detail pair (the pairs of dsnx_code_meaning(), status.c)
 *	in German, French, Spanish or Italian, and the English meaning of
 *	status.c for any other language or a pair missing here.  The
 *	translations are ours, made from the English meanings; they say
 *	the same, briefly, in the words an administrator of that language
 *	uses (technical names such as DNS, MX, DKIM, SPF, ARC, RRVS and
 *	REQUIRETLS stay as they are).
 *
 *	The administrator's section of an explanation shows them after
 *	the code ("5.1.1 (Empfängerpostfach existiert nicht ...)").
 * LIMITS
 *	Subjects 0-7, details up to 30, as status.c; no allocation, no
 *	global state.
 * SEE ALSO
 *	status.c, RFC 3463, RFC 5248.
 */
#include "config.h"

#include <string.h>

#include "dsnexplain.h"

#define SUBJECTS 8
#define DETAILS 31

typedef const char *const table[SUBJECTS][DETAILS];

static table de = {
	[0] = { [0] = "Sonstiger oder nicht näher bestimmter Status" },
	[1] = {
		[0] = "Sonstiges Adressierungsproblem",
		[1] = "Empfängerpostfach existiert nicht oder die Adresse ist "
		    "falsch",
		[2] = "Empfängerdomain existiert nicht oder nimmt keine Mails an",
		[3] = "Empfängeradresse ist syntaktisch ungültig",
		[4] = "Empfängeradresse ist mehrdeutig",
		[5] = "Empfängeradresse ist gültig",
		[6] = "Postfach ist umgezogen, eine Weiterleitungsadresse ist "
		    "nicht bekannt",
		[7] = "Absenderadresse ist syntaktisch ungültig",
		[8] = "Absenderdomain ist ungültig oder existiert nicht",
		[9] = "An ein Mailsystem weitergereicht, das keine weiteren "
		    "Berichte liefern kann",
		[10] = "Empfängerdomain hat ein Null-MX und nimmt keine Mails an",
	},
	[2] = {
		[0] = "Sonstiges Postfachproblem",
		[1] = "Postfach ist gesperrt und nimmt keine Nachrichten an",
		[2] = "Postfach ist voll",
		[3] = "Nachricht ist größer, als das Postfach annimmt",
		[4] = "Verteilerliste konnte nicht aufgelöst werden",
	},
	[3] = {
		[0] = "Sonstiges Problem des Mailsystems",
		[1] = "Empfangendes Mailsystem hat keinen Speicherplatz mehr",
		[2] = "Empfangendes Mailsystem nimmt zurzeit keine Nachrichten an",
		[3] = "Empfangendem Mailsystem fehlt eine Funktion, die die "
		    "Nachricht braucht",
		[4] = "Nachricht ist größer, als das Mailsystem erlaubt",
		[5] = "Empfangendes Mailsystem ist falsch konfiguriert",
		[6] = "Die verlangte Priorität der Nachricht wurde geändert",
	},
	[4] = {
		[0] = "Sonstiges Netzwerk- oder Routingproblem",
		[1] = "Zielserver hat nicht geantwortet",
		[2] = "Verbindung wurde unterbrochen oder lief in eine "
		    "Zeitüberschreitung",
		[3] = "Verzeichnisdienst (etwa DNS) ist ausgefallen",
		[4] = "Es wurde kein Weg zum Ziel gefunden",
		[5] = "Mailsystem ist überlastet",
		[6] = "Nachricht kreist zwischen Mailsystemen",
		[7] = "Nachricht ist abgelaufen, bevor sie zugestellt werden konnte",
	},
	[5] = {
		[0] = "Sonstiges Problem des Mailprotokolls",
		[1] = "Befehl nicht erkannt oder nicht erlaubt",
		[2] = "Befehl ist syntaktisch ungültig",
		[3] = "Zu viele Empfänger für eine Nachricht",
		[4] = "Befehlsargumente sind ungültig",
		[5] = "Protokollversionen passen nicht zusammen",
		[6] = "Zeile des Anmeldedialogs ist zu lang",
	},
	[6] = {
		[0] = "Sonstiges Problem mit Inhalt oder Medientyp",
		[1] = "Medientyp wird nicht unterstützt",
		[2] = "Inhalt müsste umgewandelt werden, das ist aber untersagt",
		[3] = "Inhalt müsste umgewandelt werden, das wird aber nicht "
		    "unterstützt",
		[4] = "Nachricht wurde umgewandelt, dabei ging Inhalt verloren",
		[5] = "Umwandlung des Inhalts ist fehlgeschlagen",
		[6] = "Referenzierter Inhalt der Nachricht ist nicht verfügbar",
		[7] = "Nicht-ASCII-Adressen sind für diesen Absender oder "
		    "Empfänger nicht erlaubt",
		[8] = "Eine UTF-8-Antwort ist nötig, der Client kann sie aber "
		    "nicht annehmen",
		[9] = "Ein UTF-8-Header kann nicht an das nächste System "
		    "weitergegeben werden",
		[10] = "UTF-8-Antwort nötig, aber nicht erlaubt (veraltet, "
		    "siehe X.6.8)",
	},
	[7] = {
		[0] = "Sonstiges Sicherheits- oder Richtlinienproblem",
		[1] = "Zustellung nicht erlaubt; durch eine Richtlinie abgelehnt",
		[2] = "Absender darf diese Verteilerliste nicht auflösen",
		[3] = "Sicherheitsumwandlung nötig, aber nicht möglich",
		[4] = "Sicherheitsfunktionen werden nicht unterstützt",
		[5] = "Kryptografische Verarbeitung ist fehlgeschlagen",
		[6] = "Kryptografischer Algorithmus wird nicht unterstützt",
		[7] = "Integritätsprüfung der Nachricht ist fehlgeschlagen",
		[8] = "Anmeldedaten sind ungültig",
		[9] = "Anmeldeverfahren ist zu schwach",
		[10] = "Verschlüsselung ist erforderlich",
		[11] = "Anmeldeverfahren erfordert Verschlüsselung",
		[12] = "Passwort muss vor der Anmeldung geändert werden",
		[13] = "Benutzerkonto ist deaktiviert",
		[14] = "Eine Vertrauensbeziehung ist erforderlich",
		[15] = "Priorität der Nachricht ist zu niedrig",
		[16] = "Nachricht ist für ihre Priorität zu groß",
		[17] = "Postfach hat seit der Prüfung des Absenders einen neuen "
		    "Inhaber (RRVS)",
		[18] = "Domain hat seit der Prüfung des Absenders einen neuen "
		    "Inhaber (RRVS)",
		[19] = "Prüfung des Postfachinhabers (RRVS) konnte nicht "
		    "abgeschlossen werden",
		[20] = "Keine gültige DKIM-Signatur gefunden",
		[21] = "Keine annehmbare DKIM-Signatur gefunden",
		[22] = "Keine gültige DKIM-Signatur passt zur Domain des Autors",
		[23] = "SPF-Prüfung ist fehlgeschlagen",
		[24] = "SPF-Prüfung konnte nicht abgeschlossen werden",
		[25] = "Prüfung des Reverse-DNS ist fehlgeschlagen",
		[26] = "Mehr als eine Authentifizierungsprüfung ist fehlgeschlagen",
		[27] = "Absenderdomain hat ein Null-MX",
		[28] = "Nachricht gehört zu einer Mailflut",
		[29] = "ARC-Prüfung ist fehlgeschlagen",
		[30] = "REQUIRETLS ist verlangt, wird aber nicht unterstützt",
	},
};

static table fr = {
	[0] = { [0] = "Statut autre ou non défini" },
	[1] = {
		[0] = "Autre problème d'adressage",
		[1] = "La boîte du destinataire n'existe pas ou son adresse est "
		    "erronée",
		[2] = "Le domaine du destinataire n'existe pas ou ne reçoit pas "
		    "de courrier",
		[3] = "La syntaxe de l'adresse du destinataire est invalide",
		[4] = "L'adresse du destinataire est ambiguë",
		[5] = "L'adresse du destinataire est valide",
		[6] = "La boîte a déménagé et aucune adresse de réexpédition "
		    "n'est connue",
		[7] = "La syntaxe de l'adresse de l'expéditeur est invalide",
		[8] = "Le domaine de l'expéditeur est invalide ou n'existe pas",
		[9] = "Transmis à un système de messagerie qui ne peut pas en "
		    "rendre compte",
		[10] = "Le domaine du destinataire a un MX nul et ne reçoit pas "
		    "de courrier",
	},
	[2] = {
		[0] = "Autre problème de boîte aux lettres",
		[1] = "La boîte est désactivée et ne reçoit aucun message",
		[2] = "La boîte est pleine",
		[3] = "Le message est plus grand que ce que la boîte accepte",
		[4] = "L'expansion de la liste de diffusion a échoué",
	},
	[3] = {
		[0] = "Autre problème du système de messagerie",
		[1] = "Le système de messagerie destinataire n'a plus d'espace",
		[2] = "Le système de messagerie destinataire ne prend pas de "
		    "messages pour l'instant",
		[3] = "Il manque au système destinataire une fonction dont le "
		    "message a besoin",
		[4] = "Le message dépasse la taille permise par le système de "
		    "messagerie",
		[5] = "Le système de messagerie destinataire est mal configuré",
		[6] = "La priorité demandée pour le message a été modifiée",
	},
	[4] = {
		[0] = "Autre problème de réseau ou de routage",
		[1] = "Le serveur de destination n'a pas répondu",
		[2] = "La connexion a été perdue ou a expiré",
		[3] = "Le service d'annuaire (DNS par exemple) a échoué",
		[4] = "Aucune route vers la destination n'a été trouvée",
		[5] = "Le système de messagerie est engorgé",
		[6] = "Le message tourne en boucle entre des systèmes de "
		    "messagerie",
		[7] = "Le message a expiré avant de pouvoir être remis",
	},
	[5] = {
		[0] = "Autre problème du protocole de messagerie",
		[1] = "Commande non reconnue ou non autorisée",
		[2] = "La syntaxe de la commande est invalide",
		[3] = "Trop de destinataires pour un seul message",
		[4] = "Les arguments de la commande sont invalides",
		[5] = "Les versions du protocole ne concordent pas",
		[6] = "Une ligne de l'échange d'authentification est trop longue",
	},
	[6] = {
		[0] = "Autre problème de contenu ou de type de média",
		[1] = "Le type de média n'est pas pris en charge",
		[2] = "Le contenu doit être converti mais la conversion est "
		    "interdite",
		[3] = "Le contenu doit être converti mais ce n'est pas pris en "
		    "charge",
		[4] = "Le message a été converti et une partie du contenu est "
		    "perdue",
		[5] = "La conversion du contenu a échoué",
		[6] = "Le contenu auquel le message renvoie n'est pas disponible",
		[7] = "Les adresses non ASCII ne sont pas permises pour cet "
		    "expéditeur ou ce destinataire",
		[8] = "Une réponse UTF-8 est nécessaire mais le client ne peut "
		    "pas la recevoir",
		[9] = "Un en-tête UTF-8 ne peut pas être transmis au système "
		    "suivant",
		[10] = "Réponse UTF-8 nécessaire mais non permise (obsolète, "
		    "voir X.6.8)",
	},
	[7] = {
		[0] = "Autre problème de sécurité ou de politique",
		[1] = "Remise non autorisée ; refusée par une politique",
		[2] = "L'expéditeur n'a pas le droit d'étendre cette liste de "
		    "diffusion",
		[3] = "Une conversion de sécurité est nécessaire mais impossible",
		[4] = "Les fonctions de sécurité ne sont pas prises en charge",
		[5] = "Le traitement cryptographique a échoué",
		[6] = "L'algorithme cryptographique n'est pas pris en charge",
		[7] = "Le contrôle d'intégrité du message a échoué",
		[8] = "Les identifiants d'authentification sont invalides",
		[9] = "Le mécanisme d'authentification est trop faible",
		[10] = "Le chiffrement est obligatoire",
		[11] = "Le mécanisme d'authentification exige le chiffrement",
		[12] = "Le mot de passe doit être changé avant de s'authentifier",
		[13] = "Le compte utilisateur est désactivé",
		[14] = "Une relation de confiance est nécessaire",
		[15] = "La priorité du message est trop basse",
		[16] = "Le message est trop grand pour sa priorité",
		[17] = "La boîte a changé de titulaire depuis la vérification de "
		    "l'expéditeur (RRVS)",
		[18] = "Le domaine a changé de titulaire depuis la vérification "
		    "de l'expéditeur (RRVS)",
		[19] = "La vérification du titulaire de la boîte (RRVS) n'a pas "
		    "pu aboutir",
		[20] = "Aucune signature DKIM valide n'a été trouvée",
		[21] = "Aucune signature DKIM acceptable n'a été trouvée",
		[22] = "Aucune signature DKIM valide ne correspond au domaine de "
		    "l'auteur",
		[23] = "La vérification SPF a échoué",
		[24] = "La vérification SPF n'a pas pu aboutir",
		[25] = "La vérification du DNS inverse a échoué",
		[26] = "Plusieurs vérifications d'authentification ont échoué",
		[27] = "Le domaine de l'expéditeur a un MX nul",
		[28] = "Le message fait partie d'un envoi massif",
		[29] = "La validation ARC a échoué",
		[30] = "REQUIRETLS est exigé mais n'est pas pris en charge",
	},
};

static table es = {
	[0] = { [0] = "Estado otro o no definido" },
	[1] = {
		[0] = "Otro problema de direccionamiento",
		[1] = "El buzón del destinatario no existe o su dirección es "
		    "incorrecta",
		[2] = "El dominio del destinatario no existe o no recibe correo",
		[3] = "La sintaxis de la dirección del destinatario no es válida",
		[4] = "La dirección del destinatario es ambigua",
		[5] = "La dirección del destinatario es válida",
		[6] = "El buzón se ha trasladado y no se conoce dirección de "
		    "reenvío",
		[7] = "La sintaxis de la dirección del remitente no es válida",
		[8] = "El dominio del remitente no es válido o no existe",
		[9] = "Entregado a un sistema de correo que no puede informar "
		    "más allá",
		[10] = "El dominio del destinatario tiene un MX nulo y no recibe "
		    "correo",
	},
	[2] = {
		[0] = "Otro problema del buzón",
		[1] = "El buzón está desactivado y no acepta mensajes",
		[2] = "El buzón está lleno",
		[3] = "El mensaje es mayor de lo que acepta el buzón",
		[4] = "Falló la expansión de la lista de correo",
	},
	[3] = {
		[0] = "Otro problema del sistema de correo",
		[1] = "El sistema de correo receptor se ha quedado sin espacio",
		[2] = "El sistema de correo receptor no acepta mensajes ahora",
		[3] = "Al sistema receptor le falta una función que el mensaje "
		    "necesita",
		[4] = "El mensaje es mayor de lo que permite el sistema de correo",
		[5] = "El sistema de correo receptor está mal configurado",
		[6] = "Se cambió la prioridad pedida para el mensaje",
	},
	[4] = {
		[0] = "Otro problema de red o de enrutamiento",
		[1] = "El servidor de destino no respondió",
		[2] = "La conexión se perdió o se agotó el tiempo de espera",
		[3] = "Falló el servicio de directorio (como el DNS)",
		[4] = "No se encontró ninguna ruta hacia el destino",
		[5] = "El sistema de correo está saturado",
		[6] = "El mensaje da vueltas entre sistemas de correo",
		[7] = "El mensaje caducó antes de poder entregarse",
	},
	[5] = {
		[0] = "Otro problema del protocolo de correo",
		[1] = "Orden no reconocida o no permitida",
		[2] = "La sintaxis de la orden no es válida",
		[3] = "Demasiados destinatarios para un solo mensaje",
		[4] = "Los argumentos de la orden no son válidos",
		[5] = "Las versiones del protocolo no coinciden",
		[6] = "Una línea del intercambio de autenticación es demasiado "
		    "larga",
	},
	[6] = {
		[0] = "Otro problema de contenido o de tipo de medio",
		[1] = "El tipo de medio no es compatible",
		[2] = "El contenido debe convertirse pero la conversión está "
		    "prohibida",
		[3] = "El contenido debe convertirse pero eso no es compatible",
		[4] = "El mensaje se convirtió y se perdió parte del contenido",
		[5] = "Falló la conversión del contenido",
		[6] = "El contenido al que remite el mensaje no está disponible",
		[7] = "Las direcciones no ASCII no se permiten para este "
		    "remitente o destinatario",
		[8] = "Hace falta una respuesta UTF-8 pero el cliente no puede "
		    "recibirla",
		[9] = "Un encabezado UTF-8 no puede pasarse al siguiente sistema",
		[10] = "Respuesta UTF-8 necesaria pero no permitida (obsoleto, "
		    "véase X.6.8)",
	},
	[7] = {
		[0] = "Otro problema de seguridad o de política",
		[1] = "Entrega no autorizada; rechazada por una política",
		[2] = "El remitente no puede expandir esta lista de correo",
		[3] = "Se necesita una conversión de seguridad pero no es posible",
		[4] = "Las funciones de seguridad no son compatibles",
		[5] = "Falló el procesamiento criptográfico",
		[6] = "El algoritmo criptográfico no es compatible",
		[7] = "Falló la comprobación de integridad del mensaje",
		[8] = "Las credenciales de autenticación no son válidas",
		[9] = "El mecanismo de autenticación es demasiado débil",
		[10] = "El cifrado es obligatorio",
		[11] = "El mecanismo de autenticación requiere cifrado",
		[12] = "Hay que cambiar la contraseña antes de autenticarse",
		[13] = "La cuenta de usuario está desactivada",
		[14] = "Se necesita una relación de confianza",
		[15] = "La prioridad del mensaje es demasiado baja",
		[16] = "El mensaje es demasiado grande para su prioridad",
		[17] = "El buzón tiene un nuevo titular desde la comprobación del "
		    "remitente (RRVS)",
		[18] = "El dominio tiene un nuevo titular desde la comprobación "
		    "del remitente (RRVS)",
		[19] = "No se pudo completar la comprobación del titular del "
		    "buzón (RRVS)",
		[20] = "No se encontró ninguna firma DKIM válida",
		[21] = "No se encontró ninguna firma DKIM aceptable",
		[22] = "Ninguna firma DKIM válida coincide con el dominio del "
		    "autor",
		[23] = "Falló la comprobación SPF",
		[24] = "No se pudo completar la comprobación SPF",
		[25] = "Falló la comprobación del DNS inverso",
		[26] = "Falló más de una comprobación de autenticación",
		[27] = "El dominio del remitente tiene un MX nulo",
		[28] = "El mensaje forma parte de un envío masivo",
		[29] = "Falló la validación ARC",
		[30] = "Se exige REQUIRETLS pero no es compatible",
	},
};

static table it = {
	[0] = { [0] = "Stato altro o non definito" },
	[1] = {
		[0] = "Altro problema di indirizzamento",
		[1] = "La casella del destinatario non esiste o l'indirizzo è "
		    "errato",
		[2] = "Il dominio del destinatario non esiste o non riceve posta",
		[3] = "La sintassi dell'indirizzo del destinatario non è valida",
		[4] = "L'indirizzo del destinatario è ambiguo",
		[5] = "L'indirizzo del destinatario è valido",
		[6] = "La casella è stata spostata e non si conosce un indirizzo "
		    "di inoltro",
		[7] = "La sintassi dell'indirizzo del mittente non è valida",
		[8] = "Il dominio del mittente non è valido o non esiste",
		[9] = "Passato a un sistema di posta che non può riferire oltre",
		[10] = "Il dominio del destinatario ha un MX nullo e non riceve "
		    "posta",
	},
	[2] = {
		[0] = "Altro problema della casella",
		[1] = "La casella è disattivata e non accetta messaggi",
		[2] = "La casella è piena",
		[3] = "Il messaggio è più grande di quanto la casella accetti",
		[4] = "L'espansione della lista di distribuzione non è riuscita",
	},
	[3] = {
		[0] = "Altro problema del sistema di posta",
		[1] = "Il sistema di posta ricevente ha esaurito lo spazio",
		[2] = "Il sistema di posta ricevente ora non accetta messaggi",
		[3] = "Al sistema ricevente manca una funzione di cui il "
		    "messaggio ha bisogno",
		[4] = "Il messaggio è più grande di quanto il sistema di posta "
		    "consenta",
		[5] = "Il sistema di posta ricevente è configurato male",
		[6] = "La priorità richiesta per il messaggio è stata cambiata",
	},
	[4] = {
		[0] = "Altro problema di rete o di instradamento",
		[1] = "Il server di destinazione non ha risposto",
		[2] = "La connessione si è interrotta o è scaduta",
		[3] = "Il servizio di directory (come il DNS) non ha funzionato",
		[4] = "Non è stato trovato alcun percorso verso la destinazione",
		[5] = "Il sistema di posta è congestionato",
		[6] = "Il messaggio gira in tondo tra sistemi di posta",
		[7] = "Il messaggio è scaduto prima di poter essere recapitato",
	},
	[5] = {
		[0] = "Altro problema del protocollo di posta",
		[1] = "Comando non riconosciuto o non consentito",
		[2] = "La sintassi del comando non è valida",
		[3] = "Troppi destinatari per un solo messaggio",
		[4] = "Gli argomenti del comando non sono validi",
		[5] = "Le versioni del protocollo non corrispondono",
		[6] = "Una riga dello scambio di autenticazione è troppo lunga",
	},
	[6] = {
		[0] = "Altro problema di contenuto o di tipo di media",
		[1] = "Il tipo di media non è supportato",
		[2] = "Il contenuto va convertito ma la conversione è vietata",
		[3] = "Il contenuto va convertito ma ciò non è supportato",
		[4] = "Il messaggio è stato convertito e parte del contenuto è "
		    "andata persa",
		[5] = "La conversione del contenuto non è riuscita",
		[6] = "Il contenuto a cui il messaggio rimanda non è disponibile",
		[7] = "Gli indirizzi non ASCII non sono consentiti per questo "
		    "mittente o destinatario",
		[8] = "Serve una risposta UTF-8 ma il client non può riceverla",
		[9] = "Un'intestazione UTF-8 non può essere passata al sistema "
		    "successivo",
		[10] = "Risposta UTF-8 necessaria ma non consentita (obsoleto, "
		    "vedi X.6.8)",
	},
	[7] = {
		[0] = "Altro problema di sicurezza o di criteri",
		[1] = "Consegna non autorizzata; rifiutata da un criterio",
		[2] = "Il mittente non può espandere questa lista di distribuzione",
		[3] = "Serve una conversione di sicurezza ma non è possibile",
		[4] = "Le funzioni di sicurezza non sono supportate",
		[5] = "L'elaborazione crittografica non è riuscita",
		[6] = "L'algoritmo crittografico non è supportato",
		[7] = "Il controllo di integrità del messaggio non è riuscito",
		[8] = "Le credenziali di autenticazione non sono valide",
		[9] = "Il meccanismo di autenticazione è troppo debole",
		[10] = "La cifratura è obbligatoria",
		[11] = "Il meccanismo di autenticazione richiede la cifratura",
		[12] = "La password va cambiata prima di autenticarsi",
		[13] = "L'account utente è disattivato",
		[14] = "Serve una relazione di fiducia",
		[15] = "La priorità del messaggio è troppo bassa",
		[16] = "Il messaggio è troppo grande per la sua priorità",
		[17] = "La casella ha un nuovo titolare dalla verifica del "
		    "mittente (RRVS)",
		[18] = "Il dominio ha un nuovo titolare dalla verifica del "
		    "mittente (RRVS)",
		[19] = "La verifica del titolare della casella (RRVS) non è stata "
		    "completata",
		[20] = "Non è stata trovata alcuna firma DKIM valida",
		[21] = "Non è stata trovata alcuna firma DKIM accettabile",
		[22] = "Nessuna firma DKIM valida corrisponde al dominio "
		    "dell'autore",
		[23] = "La verifica SPF non è riuscita",
		[24] = "La verifica SPF non è stata completata",
		[25] = "La verifica del DNS inverso non è riuscita",
		[26] = "Più di una verifica di autenticazione non è riuscita",
		[27] = "Il dominio del mittente ha un MX nullo",
		[28] = "Il messaggio fa parte di un invio massivo",
		[29] = "La convalida ARC non è riuscita",
		[30] = "REQUIRETLS è richiesto ma non è supportato",
	},
};

static const struct {
	const char *lang;
	table *meanings;
} languages[] = {
	{ "de", &de }, { "fr", &fr }, { "es", &es }, { "it", &it },
};

const char *
dsnx_code_meaning_lang(const dsnx_code *code, const char *lang)
{
	const char *english = dsnx_code_meaning(code), *s;
	size_t i;

	/* Only registered pairs: dsnx_code_meaning() is the one registry. */
	if (english == NULL || lang == NULL || code->subject >= SUBJECTS
	    || code->detail >= DETAILS)
		return english;
	for (i = 0; i < sizeof(languages) / sizeof(languages[0]); i++)
		if (strcmp(lang, languages[i].lang) == 0) {
			s = (*languages[i].meanings)[code->subject][code->detail];
			return s != NULL ? s : english;
		}
	return english;
}
