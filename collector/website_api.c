/*
 * GET /api/v1/admin/websites and POST
 * /api/v1/admin/websites/:name/rebaseline (see website_api.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "collector/store_website.h"
#include "collector/website_api.h"
#include "common/event.h"
#include "common/log.h"
#include "common/text.h"

static int
website_json(void *arg, const struct website_row *w, char *err,
    size_t errlen)
{
	if (api_append_new(arg, json_pack("{s:s, s:s?, s:I, s:b}", "website",
	    w->website, "agent", w->agent, "last_event",
	    (json_int_t)w->last_event_ms, "pending", w->pending)) == -1) {
		snprintf(err, errlen, "listing websites: out of memory");
		return -1;
	}
	return 0;
}

void
website_api_list(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	json_t	*arr = json_array();
	char	 msg[300];

	(void)rq;
	if (arr == NULL || store_website_list(api->store, website_json, arr,
	    msg, sizeof(msg)) == -1) {
		log_errorx("%s", arr == NULL ? "out of memory" : msg);
		json_decref(arr);
		api_reply_error(rs, 500, "store error; see the collector log");
		return;
	}
	api_reply(rs, 200, json_pack("{s:o}", "websites", arr));
}

/*
 * Body {} or {"agent": NAME}: without it, the agent that sent the
 * latest event about the website.  The website's name is the [website
 * NAME] of the agent's configuration.
 */
void
website_api_rebaseline(struct api *api, const struct api_request *rq,
    struct api_response *rs)
{
	static const char *const names[] = { "agent", NULL };
	const char	*actor = rq->actor ? rq->actor : "?";	/* middleware */
	const char	*site = rq->arg[0], *which;
	json_t		*o;
	char		 msg[600], agent[EVENT_AGENT_MAX];
	int64_t		 id;
	int		 r;

	if ((o = api_body_object(rq, rs)) == NULL)
		return;
	if (api_members_only(o, names, msg, sizeof(msg)) == -1 ||
	    ((which = api_member(o, "agent", EVENT_AGENT_MAX - 1, 0, msg,
	    sizeof(msg))) == NULL && msg[0] != '\0')) {
		api_reply_error(rs, 400, msg);
		goto out;
	}
	if (strlen(site) > 63 || strchr(site, '/') != NULL) {
		api_reply_error(rs, 400, "website: expected the NAME of a "
		    "[website NAME] section (at most 63 bytes, no '/')");
		goto out;
	}
	if (which != NULL)
		text_copy(agent, sizeof(agent), which, 0);
	else if ((r = store_website_agent(api->store, site, agent,
	    sizeof(agent), msg, sizeof(msg))) != 0) {
		if (r == -1) {
			log_errorx("%s", msg);
			api_reply_error(rs, 500, "store error; see the collector "
			    "log");
		} else {
			text_printf(msg, sizeof(msg), "no agent has reported "
			    "website '%s'; name the agent that checks it "
			    "(--agent)", site);
			api_reply_error(rs, 404, msg);
		}
		goto out;
	}
	r = store_website_rebaseline(api->store, site, agent, actor, api->now(),
	    &id, msg, sizeof(msg));
	if (r == -1) {
		log_errorx("%s", msg);
		api_reply_error(rs, 500, "store error; see the collector log");
	} else if (r == 1) {
		text_printf(msg, sizeof(msg), "unknown agent '%s'", agent);
		api_reply_error(rs, 404, msg);
	} else {
		log_info("%s asked agent %s to take new baselines of website %s "
		    "(request %" PRId64 "); it is told at its next heartbeat",
		    actor, agent, site, id);
		api_reply(rs, 200, json_pack("{s:I, s:s, s:s, s:s}", "id",
		    (json_int_t)id, "website", site, "agent", agent, "status",
		    "pending"));
	}
out:
	json_decref(o);
}
