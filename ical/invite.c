/*
 * Invitations for the emails to clients (RFC 5546, iTIP): a booking
 * confirmation carries the series (METHOD:REQUEST), a move the moved
 * session (REQUEST, its RECURRENCE-ID and a higher SEQUENCE), a
 * cancellation the cancelled session (METHOD:CANCEL).  The mailer puts
 * the text into the message's text/calendar part.
 *
 * An invitation goes to one person and names only them as ATTENDEE:
 * the members of a group never see each other's addresses.
 */
#include <stdio.h>
#include <string.h>

#include <libical/ical.h>

#include "db/feeds.h"
#include "ical/ical.h"
#include "ical/ical_int.h"
#include "util/buf.h"

/*
 * 1 when addr can follow "mailto:" as it is: local@domain of printable
 * ASCII without blanks, quotes, brackets, ';', ':', ',' or '\'.
 */
static int
addr_ok(const char *addr)
{
	const char *at;
	size_t n;

	if (addr == NULL || (n = strlen(addr)) < 3 || n > 254 ||
	    (at = strchr(addr, '@')) == NULL || at == addr ||
	    at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (; *addr != '\0'; addr++)
		if ((unsigned char)*addr <= ' ' || (unsigned char)*addr >= 0x7f ||
		    strchr("\"()<>[];:,\\", *addr) != NULL)
			return 0;
	return 1;
}

/* A CN parameter's value: clean text, one line, no double quote. */
static void
cn_text(struct buf *out, const char *name)
{
	size_t i, n0 = out->len;

	ical_text_clean(out, name, strlen(name));
	for (i = n0; i < out->len; i++)
		if (out->data[i] == '\n')
			out->data[i] = ' ';
		else if (out->data[i] == '"')
			out->data[i] = '\'';
}

/* ORGANIZER and ATTENDEE (the one recipient). */
static void
add_people(icalcomponent *ev, const struct ical_invite *in)
{
	struct buf b = BUF_INIT;
	icalproperty *p;

	buf_printf(&b, "mailto:%s", in->organizer_addr);
	p = icalproperty_new_organizer(buf_cstr(&b));
	buf_reset(&b);
	if (in->organizer_name != NULL && *in->organizer_name != '\0') {
		cn_text(&b, in->organizer_name);
		icalproperty_add_parameter(p, icalparameter_new_cn(
		    buf_cstr(&b)));
	}
	icalcomponent_add_property(ev, p);
	buf_reset(&b);
	buf_printf(&b, "mailto:%s", in->attendee_addr);
	p = icalproperty_new_attendee(buf_cstr(&b));
	buf_reset(&b);
	if (in->attendee_name != NULL && *in->attendee_name != '\0') {
		cn_text(&b, in->attendee_name);
		icalproperty_add_parameter(p, icalparameter_new_cn(
		    buf_cstr(&b)));
	}
	icalproperty_add_parameter(p, icalparameter_new_role(
	    ICAL_ROLE_REQPARTICIPANT));
	icalproperty_add_parameter(p, icalparameter_new_partstat(
	    ICAL_PARTSTAT_NEEDSACTION));
	icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
	icalcomponent_add_property(ev, p);
	buf_free(&b);
}

/* The exception of s on date, or NULL. */
static const struct db_feed_exception *
exception_on(const struct db_feed_series *s, const char *date)
{
	size_t i;

	for (i = 0; i < s->nexceptions; i++)
		if (strcmp(s->exceptions[i].date, date) == 0)
			return &s->exceptions[i];
	return NULL;
}

int
ical_invite_build(struct db *db, const struct ical_invite *in,
    struct buf *out, const char **method, char *err, size_t errlen)
{
	struct db_feed_data *d = NULL;
	const struct db_feed_series *s;
	const struct db_feed_exception *x = NULL;
	struct buf summary = BUF_INIT, desc = BUF_INIT;
	struct ical_words w;
	icalcomponent *cal = NULL, *ev = NULL;
	size_t i;
	int rc;

	*method = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if ((unsigned)in->kind >= ICAL_INVITE__MAX ||
	    !addr_ok(in->organizer_addr) || !addr_ok(in->attendee_addr) ||
	    ((in->kind == ICAL_INVITE_MOVED ||
	    in->kind == ICAL_INVITE_CANCELLED) && in->date == NULL)) {
		snprintf(err, errlen, "invitation: a bad kind, address or "
		    "date");
		return -1;
	}
	if ((rc = db_feed_series_load(db, in->series_id, &d)) != 1) {
		snprintf(err, errlen, rc == 0 ? "no such series" :
		    "the series cannot be read");
		return rc == 0 ? 1 : -1;
	}
	s = &d->series[0];
	if (in->date != NULL && (in->kind == ICAL_INVITE_MOVED ||
	    in->kind == ICAL_INVITE_CANCELLED)) {
		x = exception_on(s, in->date);
		if (x == NULL || x->moved != (in->kind == ICAL_INVITE_MOVED)) {
			snprintf(err, errlen, "that session is not %s (any "
			    "more)", in->kind == ICAL_INVITE_MOVED ? "moved" :
			    "cancelled");
			rc = 1;
			goto out;
		}
	}
	if (in->kind == ICAL_INVITE_SERIES &&
	    strcmp(s->status, "cancelled") == 0) {
		snprintf(err, errlen, "the series was cancelled");
		rc = 1;
		goto out;
	}

	memset(&w, 0, sizeof(w));
	w.uid = s->uid;
	buf_puts(&summary, "Music therapy with ");
	buf_puts(&summary, s->therapist);
	w.summary = buf_cstr(&summary);
	if (s->is_group && s->group[0] != '\0')
		buf_printf(&desc, "Group: %s", s->group);
	else if (s->client_ref[0] != '\0')
		buf_printf(&desc, "Your reference: %s", s->client_ref);
	w.description = desc.len > 0 ? buf_cstr(&desc) : NULL;

	cal = ical_calendar_new(in->kind == ICAL_INVITE_CANCELLED ||
	    in->kind == ICAL_INVITE_SERIES_CANCELLED ? ICAL_METHOD_CANCEL :
	    ICAL_METHOD_REQUEST);
	(void)ical_timezones_add(cal, s, 1, err, errlen);
	rc = -1;
	switch (in->kind) {
	case ICAL_INVITE_SERIES:
		/* An ended series: its rule is cut; what is left stands. */
		if ((ev = ical_event_master(s, &w, 1,
		    ICAL_STATUS_IS_CONFIRMED, err, errlen)) == NULL)
			goto out;
		add_people(ev, in);
		icalcomponent_add_component(cal, ev);
		for (i = 0; i < s->nexceptions; i++) {
			if (!s->exceptions[i].moved ||
			    !ical_exception_in_range(s, &s->exceptions[i]))
				continue;
			if ((ev = ical_event_exception(s, &s->exceptions[i],
			    &w, 0, err, errlen)) == NULL)
				goto out;
			add_people(ev, in);
			icalcomponent_add_component(cal, ev);
		}
		break;
	case ICAL_INVITE_MOVED:
	case ICAL_INVITE_CANCELLED:
		if ((ev = ical_event_exception(s, x, &w,
		    in->kind == ICAL_INVITE_CANCELLED, err, errlen)) == NULL)
			goto out;
		add_people(ev, in);
		icalcomponent_add_component(cal, ev);
		break;
	default:
		if ((ev = ical_event_master(s, &w, 0,
		    ICAL_STATUS_IS_CANCELLED, err, errlen)) == NULL)
			goto out;
		add_people(ev, in);
		icalcomponent_add_component(cal, ev);
		break;
	}
	*method = in->kind == ICAL_INVITE_CANCELLED ||
	    in->kind == ICAL_INVITE_SERIES_CANCELLED ? "CANCEL" : "REQUEST";
	rc = ical_calendar_write(cal, out, err, errlen);
	cal = NULL;
	if (rc == -1)
		*method = NULL;
out:
	if (cal != NULL)
		icalcomponent_free(cal);
	buf_free(&summary);
	buf_free(&desc);
	db_feed_data_free(d);
	return rc;
}
