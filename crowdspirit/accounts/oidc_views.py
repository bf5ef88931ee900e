"""Signing in through one's organisation's OpenID provider, and the page where its administrator registers it."""

import re

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access import require
from ..errors import DomainError
from ..web.limits import per_address
from ..web.rendering import form_status, redirect_to, render, safe_next
from . import oidc, services, sessions
from .forms import IdentityProviderForm, LoginForm, organisation_sign_in_form
from .views import bp

#: what an email domain looks like (labels of letters, digits and hyphens, a dot between them)
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@bp.post("/login/organisation")
@per_address("LOGIN_RATE_LIMIT")
def oidc_start():
    """Sign in with your organisation: found from your work email or chosen, then off to its identity provider."""
    form = organisation_sign_in_form(oidc.sign_in_organisations())
    if form.validate_on_submit():
        organisation = oidc.organisation_for(form.email.data or "", form.organisation.data)
        if organisation is not None:
            return redirect(oidc.begin(organisation, form.email.data or "", safe_next(url_for("home.index"))), 303)
        form.email.errors.append(_("No organisation signs in people of this email domain here. Sign in with your "
                                   "password, or choose your organisation."))
    return render("accounts/login.html", status=422, form=LoginForm(formdata=None), organisation_form=form)


@bp.get("/login/organisation/callback")
def oidc_callback():
    """Where your organisation's provider sends you back: signed in and on its team, or a clear refusal."""
    signed_in = current_user._get_current_object() if current_user.is_authenticated else None
    user, next_url = oidc.finish(request.args.to_dict(), signed_in)
    sessions.sign_in(user, "oidc")
    flash(_("Signed in through %(organisation)s. Welcome, %(name)s.", organisation=user.organisation.name,
            name=user.display_name), "success")
    return redirect_to(next_url)


@bp.route("/organisations/<slug>/sign-in", methods=["GET", "POST"])
@login_required
def oidc_settings(slug: str):
    """Your organisation's sign-in: its OpenID provider and the email domains whose people may use it."""
    organisation = require(current_user, "organisation.identity_provider", services.get_organisation_by_slug(slug))
    provider = oidc.provider_of(organisation)
    form = IdentityProviderForm(obj=provider)
    if form.validate_on_submit() & _provider_fields_valid(form):
        try:
            oidc.save_provider(organisation, form.issuer.data.strip(), form.client_id.data, form.secret.data,
                               form.allowed_domains.data, current_user)
        except DomainError as error:
            form.issuer.errors.append(error.message)
        else:
            flash(_("Your organisation's sign-in is saved."), "success")
            return redirect_to(url_for("accounts.oidc_settings", slug=organisation.slug))
    return render("accounts/oidc_settings.html", status=form_status(form), form=form, organisation=organisation,
                  provider=provider, callback=oidc.callback_url())


def _provider_fields_valid(form: IdentityProviderForm) -> bool:
    """Whether the issuer is a usable URL and the domains look like domains, else errors beside them."""
    if form.is_submitted() and not oidc.valid_issuer((form.issuer.data or "").strip()):
        form.issuer.errors = [*form.issuer.errors, _("Give an https address without query or fragment.")]
    domains = oidc.parse_domains(form.allowed_domains.data or "")
    if form.is_submitted() and (not domains or not all(DOMAIN.match(domain) for domain in domains)):
        form.allowed_domains.errors = [*form.allowed_domains.errors, _("Give email domains such as helios.example.")]
    return not (form.issuer.errors or form.allowed_domains.errors)
