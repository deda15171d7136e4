"""The citizen's material store under /api/v1/services: list, delete, reuse in an
application. A portal session; the bodiless delete echoes the CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from onceonly.core.deps import CurrentCitizen, DbSession, csrf_protect
from onceonly.core.params import Id
from onceonly.services.applications import applications
from onceonly.services.materials import service
from onceonly.services.materials.schemas import ReusedOut, ReuseIn, StoredMaterialOut

# Included by services/api.py under /api/v1/services.
router = APIRouter(tags=["services: material store"])


@router.get("/my-materials", response_model=list[StoredMaterialOut])
def my_materials(session: DbSession, citizen: CurrentCitizen) -> list[StoredMaterialOut]:
    applicant = applications.applicant_of(session, citizen)
    return [StoredMaterialOut.model_validate(s) for s in service.mine(session, applicant)]


@router.delete("/my-materials/{stored_id}", status_code=204, dependencies=[Depends(csrf_protect)])
def delete_material(stored_id: Id, session: DbSession, citizen: CurrentCitizen) -> Response:
    service.remove(session, applications.applicant_of(session, citizen), stored_id)
    return Response(status_code=204)


@router.post("/applications/{ref}/materials/{key}/reuse", response_model=ReusedOut)
def reuse(
    ref: str, key: str, body: ReuseIn, session: DbSession, citizen: CurrentCitizen
) -> ReusedOut:
    applicant = applications.applicant_of(session, citizen)
    application = applications.own_application(session, ref, applicant)
    target = service.reuse(session, application, key, body.stored_id, applicant)
    return ReusedOut(
        key=target.key,
        name=target.name,
        state=target.state.value,
        origin=target.origin,
        reused_from=str(target.data["reused_from"]),
    )
