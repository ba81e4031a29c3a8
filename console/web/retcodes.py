"""What each RetCode of the wire protocol (console/cloud/actions.py) means for a user, in
the page's language; the cloud's own message follows it (console/web/cloudcall.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from console.cloud import actions

MEANINGS = {
    actions.MISSING_PARAM: _("A required parameter is missing."),
    actions.BAD_FORMAT: _("A parameter has the wrong type or format."),
    actions.MISSING_ACTION: _("The request did not name an action."),
    actions.BAD_REGION: _("This region is not offered."),
    actions.MISSING_PUBLIC_KEY: _("The request carried no API key."),
    actions.MISSING_SIGNATURE: _("The request was not signed."),
    actions.BAD_SIGNATURE: _("The API key is unknown or the signature is wrong."),
    actions.NO_SUCH_ACTION: _("The cloud does not know this action."),
    actions.ADMIN_ONLY: _("Only an admin API key may act for another tenant."),
    actions.CHECK_FAILED: _("The cloud's checks refused a value."),
    actions.NO_PERMISSION: _("You do not have permission for this."),
    actions.TOO_FREQUENT: _("The cloud is busy; please try again in a moment."),
    actions.NOT_FOUND: _("It no longer exists, or it belongs to another tenant."),
    actions.WRONG_STATE: _("It is not in a state that allows this right now."),
    actions.WRONG_STATE_OTHER: _("It conflicts with its current settings."),
    actions.QUOTA_EXCEEDED: _("Your quota does not allow this."),
    actions.BALANCE_INSUFFICIENT: _("Your account balance is too low for this purchase."),
    actions.SESSION_NOT_FOUND: _("The terminal session does not exist; open it again."),
    actions.SESSION_EXPIRED: _(
        "The terminal session has expired or was already used; open it again."
    ),
}
UNKNOWN = _("The cloud refused the request.")


def meaning(ret_code: int) -> str:
    """The translated explanation of a RetCode (a generic one for codes not in the table)."""
    return str(MEANINGS.get(ret_code, UNKNOWN))
