"""CKAN's package and resource write actions, for a caller with an API token.

A department admin or data steward manages their own department's packages (a platform
admin any); the catalog's published datasets are changed in the catalog, not here. A
package named after a catalog resource (or naming one in the `catalog_resource` extra)
is published only if that resource is unconditionally open. Every write is audited in
the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onceonly.audit import service as audit
from onceonly.catalog.models import OpenClass, Resource
from onceonly.core.db import utcnow
from onceonly.core.errors import Forbidden, Invalid, NotFound
from onceonly.identity.models import Department, Role, User
from onceonly.identity.service import actor_for_user
from onceonly.opendata.ckan.models import CkanPackage, CkanResource
from onceonly.opendata.ckan.params import Call
from onceonly.opendata.ckan.shapes import find_package
from onceonly.opendata.ckan.stored import (
    META_FIELDS,
    find_department,
    find_written,
    get_resource,
    package_dict,
    resource_dict,
    upload_path,
)

NAME = re.compile(r"^[a-z0-9_.-]{2,100}$")
EDITORS = {Role.department_admin, Role.data_steward}
RESOURCE_FIELDS = ("name", "url", "format")
UNSAFE_FILE_CHARS = re.compile(r"[^\w.-]+")
MAX_UPLOAD = 200 * 1024 * 1024  # bytes per uploaded file


def invalid(field: str, reason: str) -> Invalid:
    """CKAN's Validation Error with one field's message."""
    return Invalid(reason, errors=[{"field": field, "reason": reason}])


def may_publish(user: User, department: Department) -> None:
    if Role.platform_admin in user.roles:
        return
    if not user.roles.intersection(EDITORS) or user.department_id != department.id:
        raise Forbidden(
            f"User {user.username} not authorized to edit packages of organization "
            f"{department.code}",
            code="other-department",
        )


def _record(call: Call, action: str, kind: str, object_id: str, **detail: Any) -> None:
    audit.record(
        call.session,
        audit.Event(f"ckan.{action}", actor_for_user(call.user()), kind, object_id, detail=detail),
    )


def editable(call: Call, wanted: str) -> CkanPackage:
    """An active written package the caller may change."""
    package = find_written(call.session, wanted)
    if package is None or package.state != "active":
        try:
            find_package(call.published, wanted)
        except NotFound:
            raise NotFound("Dataset not found") from None
        raise Forbidden(f"{wanted} is published from the catalog: change it there")
    may_publish(call.user(), package.department)
    return package


def _owner(call: Call, data: dict[str, Any]) -> Department:
    wanted = str(data.get("owner_org") or "")
    if not wanted and isinstance(data.get("organization"), dict):
        wanted = str(data["organization"].get("name") or "")
    department = find_department(call.session, wanted) if wanted else None
    if department is None:
        raise invalid("owner_org", "Organization does not exist" if wanted else "Missing value")
    may_publish(call.user(), department)
    return department


def _check_open(session: Session, name: str, meta: dict[str, Any]) -> None:
    """A package about a catalog resource needs that resource to be open."""
    extras = {e.get("key"): e.get("value") for e in meta.get("extras", [])}
    code = str(extras.get("catalog_resource") or name)
    resource = session.scalar(select(Resource).where(Resource.code == code))
    if resource is not None and resource.open_class != OpenClass.UNCONDITIONAL:
        raise invalid("name", f"the catalog resource {code} is not open: it cannot be published")


def _names(value: Any, key: str = "name") -> list[str]:
    """Tag or group names from CKAN's list of dicts (or plain strings, or JSON)."""
    if isinstance(value, str):
        value = json.loads(value) if value.startswith("[") else value.split(",")
    names = [str(v.get(key) or v.get("id") or "") if isinstance(v, dict) else str(v) for v in value]
    return [n.strip() for n in names if n.strip()]


def _apply(package: CkanPackage, data: dict[str, Any], *, replace: bool) -> None:
    """Set the package's fields from `data`: all of them (update) or those given (patch)."""
    for key in ("title", "notes", "license_id"):
        if replace or key in data:
            setattr(package, key, str(data.get(key) or ""))
    meta = {} if replace else dict(package.meta)
    for key in META_FIELDS:
        if key in data:
            meta[key] = str(data[key] or "")
    if "tags" in data or "tag_string" in data:
        meta["tags"] = _names(data.get("tags") or data.get("tag_string") or [])
    if "groups" in data:
        meta["groups"] = [g.lower() for g in _names(data["groups"] or [])]
    if "extras" in data:
        extras = data["extras"] or []
        meta["extras"] = [
            {"key": str(e["key"]), "value": str(e.get("value", ""))}
            for e in (json.loads(extras) if isinstance(extras, str) else extras)
            if isinstance(e, dict) and e.get("key")
        ]
    package.meta = meta
    package.modified_at = utcnow()


def _apply_resource(resource: CkanResource, data: dict[str, Any], *, replace: bool) -> None:
    for key in RESOURCE_FIELDS:
        if replace or key in data:
            setattr(resource, key, str(data.get(key) or ""))
    kept = {"id", "package_id", "position", "upload", "size", "hash", "url_type"}
    kept |= {"datastore_active", "created", "metadata_modified", "last_modified", "state"}
    extra = {k: v for k, v in data.items() if k not in kept and k not in RESOURCE_FIELDS}
    resource.meta = {
        **({} if replace else resource.meta),
        **{k: v for k, v in extra.items() if isinstance(v, str | int | float | bool | None)},
    }
    if data.get("url") and data.get("url_type") != "upload":
        resource.upload_name = ""  # a link now, not the earlier upload
    resource.modified_at = utcnow()


def _store_upload(call: Call, resource: CkanResource, upload: Any) -> None:
    """Keep an uploaded file (a multipart `upload` field) under the data directory."""
    filename = UNSAFE_FILE_CHARS.sub("_", str(getattr(upload, "filename", "") or "upload"))
    resource.upload_name = filename.strip("._")[-150:] or "upload"
    path = upload_path(call.data_dir, resource)
    shutil.rmtree(path.parent, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(1 << 16):
            digest.update(chunk)
            size += len(chunk)
            if size > MAX_UPLOAD:
                break
            out.write(chunk)
    if size > MAX_UPLOAD:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise invalid("upload", f"a file may have at most {MAX_UPLOAD // 2**20} MB")
    resource.size, resource.hash = size, f"sha256:{digest.hexdigest()}"
    resource.url = ""


def _resources(package: CkanPackage, given: Any) -> None:
    """Replace a package's resources by `given` (CKAN's update: the ones left out go)."""
    if isinstance(given, str):
        given = json.loads(given)
    existing = {r.id: r for r in package.resources}
    kept: list[CkanResource] = []
    for position, data in enumerate(given or []):
        if not isinstance(data, dict):
            raise invalid("resources", "each resource must be an object")
        resource = existing.get(str(data.get("id") or "")) or CkanResource(
            id=str(uuid.uuid4()), created_at=utcnow()
        )
        _apply_resource(resource, data, replace=True)
        resource.position = position
        kept.append(resource)
    package.resources = kept


def _id_for(session: Session, wanted: Any) -> str:
    """The client's own id if it is a free UUID (as ckanapi load sends), else a new one."""
    try:
        value = str(uuid.UUID(str(wanted)))
    except ValueError:
        return str(uuid.uuid4())
    return value if session.get(CkanPackage, value) is None else str(uuid.uuid4())


def _show(call: Call, package: CkanPackage) -> dict[str, Any]:
    call.session.flush()
    return package_dict(package, call.base, 0)


def package_create(call: Call) -> Any:
    """Create a dataset. Parameters: name, owner_org, title, notes, license_id, tags,
    groups, extras, resources, and CKAN's other package fields."""
    data = call.params
    name = call.required("name").strip()
    if not NAME.match(name):
        raise invalid("name", "Must be 2 to 100 lowercase letters, digits, '-', '_' or '.'")
    department = _owner(call, data)
    try:
        find_package(call.published, name)
        taken = True
    except NotFound:
        taken = False
    package = find_written(call.session, name)
    if taken or (package is not None and package.state == "active"):
        raise invalid("name", "That URL is already in use.")
    if package is None:  # a deleted package's name is taken over by the new one
        package = CkanPackage(id=_id_for(call.session, data.get("id")), name=name)
        call.session.add(package)
    package.state, package.department = "active", department
    package.created_at, package.created_by = utcnow(), call.user().username
    _apply(package, data, replace=True)
    _check_open(call.session, name, package.meta)
    _resources(package, data.get("resources") or [])
    _record(call, "package_create", "ckan_package", package.id, name=name)
    return _show(call, package)


def _change(call: Call, *, replace: bool) -> Any:
    package = editable(call, call.required("id"))
    data = call.params
    if data.get("owner_org"):
        package.department = _owner(call, data)
    _apply(package, data, replace=replace)
    _check_open(call.session, package.name, package.meta)
    if "resources" in data:
        _resources(package, data["resources"])
    action = "package_update" if replace else "package_patch"
    _record(call, action, "ckan_package", package.id, fields=sorted(data))
    return _show(call, package)


def package_update(call: Call) -> Any:
    """Replace a dataset's fields (those not given are cleared; resources left out are
    removed). Parameters: id, and the package fields."""
    return _change(call, replace=True)


def package_patch(call: Call) -> Any:
    """Change only the given fields of a dataset. Parameters: id, and the fields."""
    return _change(call, replace=False)


def package_delete(call: Call) -> Any:
    """Delete a dataset (it leaves every list; its name can be used again). Parameters: id."""
    package = editable(call, call.required("id"))
    package.state, package.modified_at = "deleted", utcnow()
    _record(call, "package_delete", "ckan_package", package.id, name=package.name)
    return None


def resource_create(call: Call) -> Any:
    """Add a resource: a link (url) or a file (multipart `upload`). Parameters:
    package_id, url or upload, name, format, description, mimetype."""
    package = editable(call, call.required("package_id"))
    resource = CkanResource(id=str(uuid.uuid4()), position=len(package.resources))
    _apply_resource(resource, call.params, replace=True)
    if call.params.get("upload") is not None and not isinstance(call.params["upload"], str):
        _store_upload(call, resource, call.params["upload"])
    elif not resource.url:
        raise invalid("url", "Missing value: give a url or upload a file")
    package.resources.append(resource)
    package.modified_at = utcnow()
    _record(call, "resource_create", "ckan_resource", resource.id, package=package.name)
    call.session.flush()
    return resource_dict(resource, call.base)


def _resource_change(call: Call, *, replace: bool) -> Any:
    resource = get_resource(call.session, call.required("id"))
    editable(call, resource.package_id)
    _apply_resource(resource, call.params, replace=replace)
    if call.params.get("upload") is not None and not isinstance(call.params["upload"], str):
        _store_upload(call, resource, call.params["upload"])
    resource.package.modified_at = utcnow()
    action = "resource_update" if replace else "resource_patch"
    _record(call, action, "ckan_resource", resource.id, fields=sorted(call.params))
    return resource_dict(resource, call.base)


def resource_update(call: Call) -> Any:
    """Replace a resource's fields, optionally with a new file. Parameters: id, …"""
    return _resource_change(call, replace=True)


def resource_patch(call: Call) -> Any:
    """Change only the given fields of a resource (or its file). Parameters: id, …"""
    return _resource_change(call, replace=False)


def resource_delete(call: Call) -> Any:
    """Remove a resource, its file and its DataStore table. Parameters: id."""
    resource = get_resource(call.session, call.required("id"))
    package = editable(call, resource.package_id)
    if resource.upload_name:
        shutil.rmtree(upload_path(call.data_dir, resource).parent, ignore_errors=True)
    package.resources.remove(resource)
    package.modified_at = utcnow()
    _record(call, "resource_delete", "ckan_resource", resource.id, package=package.name)
    return None
