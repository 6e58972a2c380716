// Where the page finds the API: apiUrl is its base URL without a trailing slash, or "" when the
// page and the API share an origin (`make run`). Publishing the site overwrites this file with
// the stack's ApiUrl, in the same format.
window.BOARDREAD_CONFIG = Object.freeze({"apiUrl": ""});
