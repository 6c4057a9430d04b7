"""Staff edits in the admin refuse a stale save, as every page of the product does.

An admin form built on ``RevisedAdminForm`` carries the revision it was loaded at; a save from a
page opened before someone else's (staff in another tab, the user on their profile, a manager on
the delegation page) is refused with who saved, when, and what differs, and saving the refused
page again puts its values over the current ones. ``RevisedAdmin`` counts each save and renders
the revision (``templates/admin/revised_change_form.html``). No ``list_editable``: a row edited in
the list carries no revision.
"""

from negprep.errors import Stale
from negprep.forms import RevisionForm, show_stale
from negprep.versioning import mark_saved, refuse_stale


class RevisedAdminForm(RevisionForm):
    """List it first: ``class PolicyForm(RevisedAdminForm, forms.ModelForm)``."""

    # How the refusal names the record: "Mia saved this finance policy at ...".
    stale_what = "this record"

    def clean(self):
        data = super().clean()
        if self.instance.pk is not None and data.get("revision") is not None:
            # The admin saves in one transaction with this check: the lock holds until it is saved.
            current = type(self.instance).objects.select_for_update(of=("self",)).get(pk=self.instance.pk)
            try:
                refuse_stale(current, data["revision"], what=self.stale_what)
            except Stale as error:
                show_stale(self, error)
                # The admin saves a form without errors: this one must not be saved.
                self.add_error(
                    None, f"Nothing was saved: see above who saved {self.stale_what} since, and what differs."
                )
        return data


class RevisedAdmin:
    """A ``ModelAdmin`` mixin for a form built on ``RevisedAdminForm``."""

    change_form_template = "admin/revised_change_form.html"

    def save_model(self, request, obj, form, change):
        if not change or form.has_changed():
            mark_saved(obj, by=request.user)
        super().save_model(request, obj, form, change)
