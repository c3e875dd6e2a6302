"""The people import pages: upload, preview, apply with progress. Organization admins only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from teams.forms import ImportApplyForm, ImportUploadForm
from teams.importing.jobs import CannotApply, FileRefused, import_confirm, import_upload
from teams.importing.planning import PLAN_KINDS, PLAN_LABELS
from teams.models import ImportJob, User


def _require_org_admin(user: User) -> None:
    if user.organization_id is None or not user.is_org_admin:
        raise PermissionDenied("Only the organization's admins can import people.")


def _job_or_404(user: User, job_id: int) -> ImportJob:
    """A job of the admin's own organization; another organization's id is a 404."""
    _require_org_admin(user)
    try:
        return ImportJob.objects.select_related("created_by").get(
            pk=job_id, organization_id=user.organization_id
        )
    except ImportJob.DoesNotExist:
        raise Http404("No such import") from None


@require_http_methods(["GET", "POST"])
@login_required
def import_start(request):
    _require_org_admin(request.user)
    form = ImportUploadForm()
    problem = None
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job = import_upload(
                    organization=request.user.organization,
                    file_name=upload.name,
                    data=upload.read(),
                    acting_user=request.user,
                )
            except FileRefused as refusal:
                problem = str(refusal)
            else:
                return redirect(job)
    jobs = ImportJob.objects.filter(organization_id=request.user.organization_id).select_related(
        "created_by"
    )[:10]
    status = 400 if request.method == "POST" else 200
    return render(
        request, "teams/import_start.html", {"form": form, "problem": problem, "jobs": jobs}, status=status
    )


# The middleware lets this view, and only views so marked, take a file, up to this setting.
import_start.upload_limit_setting = "IMPORT_MAX_BYTES"


@require_http_methods(["GET", "POST"])
@login_required
def import_job(request, job_id: int):
    job = _job_or_404(request.user, job_id)
    form = ImportApplyForm()
    status = 200
    if request.method == "POST":
        form = ImportApplyForm(request.POST)
        if form.is_valid():
            try:
                job = import_confirm(
                    job=job, skip_errors=form.cleaned_data["skip_errors"], acting_user=request.user
                )
            except CannotApply as refusal:
                job.refresh_from_db()
                form.add_error(None, str(refusal))
                status = 409
            else:
                messages.success(request, "The import is being applied; this page shows how far it has got.")
                return redirect(job)
    context = {
        "job": job,
        "form": form,
        "upload_form": ImportUploadForm(),
        "plan": _plan_rows(job),
        "error_rows": len({error["row"] for error in job.errors}),
    }
    template = (
        "teams/import_job.html#progress" if request.htmx and job.status != ImportJob.Status.PREVIEW else None
    )
    return render(request, template or "teams/import_job.html", context, status=status)


def _plan_rows(job: ImportJob) -> list[dict]:
    counts = job.plan.get("counts", {})
    examples = job.plan.get("examples", {})
    return [
        {
            "kind": kind,
            "label": PLAN_LABELS[kind],
            "count": counts.get(kind, 0),
            "examples": examples.get(kind, []),
        }
        for kind in PLAN_KINDS
    ]
