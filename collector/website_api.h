/*
 * Admin API of the websites the agents check (issue 16): the list, and
 * `shaobing websites rebaseline NAME` (the request waits in the store
 * until the agent's next heartbeat; see store_website.h).
 */
#ifndef SHAOBING_WEBSITE_API_H
#define SHAOBING_WEBSITE_API_H

#include "collector/api.h"

api_handler website_api_list, website_api_rebaseline;

#endif
