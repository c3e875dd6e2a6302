"""Reading and checking an import file: every problem is found, with its row and column, before anything changes."""

import io
import zipfile

import pytest
from openpyxl import Workbook

from teams.importing.jobs import import_upload
from teams.importing.reading import FileRefused, read_table
from teams.models import Membership, Unit, User
from tests.factories import MembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,unit,parent,role\n"


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(lines) + "\n").encode()


def upload(org, data: bytes, name: str = "people.csv", user=None):
    return import_upload(organization=org, file_name=name, data=data, acting_user=user)


def problems(job) -> list[tuple[int, str, str]]:
    return [(e["row"], e["column"], e["message"]) for e in job.errors]


def test_a_clean_file_plans_units_and_people_and_writes_nothing(org):
    job = upload(
        org,
        csv_file(
            "boss@acme.test,Bo Boss,Acme,,leader",
            "lead@acme.test,Li Lead,Sales,Acme,leader",
            "lead@acme.test,Li Lead,Acme,,member",
            "ann@acme.test,Ann,Sales,Acme,member",
        ),
    )
    assert job.errors == []
    counts = job.plan["counts"]
    assert counts["unit_adds"] == 2 and counts["person_adds"] == 3
    assert "Sales under Acme" in job.plan["examples"]["unit_adds"]
    assert not Unit.objects.filter(organization=org).exists()
    assert not User.objects.filter(email="ann@acme.test").exists()


def test_semicolons_a_byte_order_mark_and_other_headers_are_read(org):
    data = (
        "\ufeffE-mail;Full name;Team;Parent unit;Role;Start date\nboss@acme.test;Bo;Acme;;Leader;2020-01-01\n"
    )
    job = upload(org, data.encode())
    assert job.errors == []
    assert job.plan["counts"]["person_adds"] == 1
    assert job.notes == ["Columns ignored: “Start date” (column F)."]


def test_each_kind_of_problem_is_named_with_its_row_and_column(org):
    other = UserFactory(email="taken@other.test")  # an account of another organization
    job = upload(
        org,
        csv_file(
            "boss@acme.test,Bo,Acme,,leader",  # 2
            "not-an-address,Xi,Acme,,member",  # 3 bad email
            "lee@acme.test,Lee,Sales,Salez,leader",  # 4 unknown parent
            "a@acme.test,A,Alpha,Beta,leader",  # 5 a circle: Alpha under Beta under Alpha
            "b@acme.test,B,Beta,Alpha,leader",  # 6
            "solo@acme.test,Solo,Nobody Leads,Acme,member",  # 7 missing leader
            "boss@acme.test,Bo,Acme,,member",  # 8 duplicate email (same unit)
            "two@acme.test,Two,Acme,,member",  # 9
            "two@acme.test,Two,Support,Acme,leader",  # 10
            "sup@acme.test,Sup,Support,Acme,leader",  # 11
            "two@acme.test,Two,Marketing,Acme,member",  # 12 two places
            "mk@acme.test,Mk,Marketing,Acme,leader",  # 13
            f"{other.email},T,Acme,,member",  # 14 another organization's account
            "r@acme.test,R,Acme,,boss",  # 15 bad role
        ),
    )
    found = problems(job)
    by_row = {}
    for row, column, message in found:
        by_row.setdefault(row, []).append((column, message))
    assert by_row[3] == [("“email” (column A)", "“not-an-address” isn't an email address.")]
    assert by_row[4][0][0] == "“parent” (column D)" and "Unknown parent unit “Salez”" in by_row[4][0][1]
    assert any("would be its own ancestor" in m for _, m in by_row[5] + by_row[6])
    assert by_row[7] == [
        ("“role” (column E)", "“Nobody Leads” has no leader in this file. Mark one of its people as leader.")
    ]
    assert "Duplicate email" in by_row[8][0][1] and "(row 2)" in by_row[8][0][1]
    assert "already placed on row 9" in by_row[12][0][1]
    assert "outside this organization" in by_row[14][0][1]
    assert by_row[15] == [("“role” (column E)", "The role “boss” isn't leader or member.")]
    # Rows 9-11 are fine: Two leads Support and is a member of the unit above it.
    assert 9 not in by_row and 10 not in by_row and 11 not in by_row


def test_names_that_disguise_or_mark_up_text_are_refused(org):
    job = upload(
        org,
        csv_file(
            "boss@acme.test,Bo,Acme,,leader",
            "rtl@acme.test,Eve\u202egnp.exe,Acme,,member",
            "html@acme.test,<script>alert(1)</script>,Acme,,member",
            "unit@acme.test,U,Sales\u2066,Acme,leader",
        ),
    )
    messages = {row: message for row, _, message in problems(job)}
    assert "right-to-left" in messages[3]
    assert "< or >" in messages[4]
    assert "right-to-left" in messages[5]


def test_formulas_are_kept_as_text_never_evaluated(org):
    job = upload(
        org,
        csv_file("boss@acme.test,=1+1,Acme,,leader", 'x@acme.test,"=HYPERLINK(""http://x"")",Acme,,member'),
    )
    assert job.errors == []
    assert job.rows[0][2] == "=1+1" and job.rows[1][2] == '=HYPERLINK("http://x")'


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_is_read_with_formulas_as_their_text(org):
    data = xlsx(
        [
            ["Email", "Name", "Unit", "Parent", "Role", "Cost centre"],
            ["boss@acme.test", '=CONCATENATE("B","o")', "Acme", None, "leader", 4711],
            [None, None, None, None, None, None],
            ["ann@acme.test", "Ann", "Acme", None, "member", 4712.0],
        ]
    )
    job = upload(org, data, name="People.XLSX")
    assert job.errors == []
    assert job.rows[0][:3] == [2, "boss@acme.test", '=CONCATENATE("B","o")']
    assert job.rows[1][0] == 4  # the blank row is skipped, numbers still name the sheet's rows
    assert job.notes == ["Columns ignored: “Cost centre” (column F)."]


def test_a_unit_path_places_units_with_the_same_name_apart(org):
    job = upload(
        org,
        csv_file(
            "boss@acme.test,Bo,Acme,leader",
            "s@acme.test,S,Acme / Sales,leader",
            "p@acme.test,P,Acme / Product,leader",
            "sp@acme.test,SP,Acme / Sales / Platform,leader",
            "pp@acme.test,PP,Acme / Product / Platform,leader",
            "x@acme.test,X,Acme / Nowhere / Team,leader",
            header="email,name,unit path,role\n",
        ),
    )
    assert [(row, column) for row, column, _ in problems(job)] == [(7, "“unit path” (column C)")]
    assert "Unknown parent unit “nowhere”" in job.errors[0]["message"]
    assert job.plan["counts"]["unit_adds"] == 5


@pytest.mark.parametrize(
    "name,data,message",
    [
        (
            "people.pdf",
            b"%PDF-1.4",
            "Only CSV (.csv) and Excel (.xlsx) files can be imported; this one is .pdf.",
        ),
        ("people.xlsx", b"email,name\n", "This file is named .xlsx but isn't an Excel workbook."),
        ("people.csv", b"PK\x03\x04rest of a zip", "This file is named .csv but isn't text."),
        ("people.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "This is an old Excel (.xls)"),
        ("people.xlsx", b"PK\x03\x04broken", "This Excel file can't be read"),
        ("people.csv", b"", "The file is empty."),
        ("people.csv", b"name;unit\nAnn;Sales\n", "missing: email, role, parent (or unit path)"),
        (
            "people.csv",
            b"email,role,unit,parent\n\xff\xfe,member,A,\n",
            "Line 2 of this file isn't UTF-8 text.",
        ),
    ],
)
def test_files_that_cant_be_read_are_refused_with_a_reason(name, data, message):
    with pytest.raises(FileRefused) as refused:
        read_table(name, data)
    assert message in str(refused.value)


def test_an_existing_unit_is_matched_by_name_and_moved_under_a_new_parent(
    org, division, team, leader, member
):
    job = upload(
        org,
        csv_file(
            f"{leader.email},{leader.name},Payments,Platform,leader",
            f"{member.email},{member.name},Payments,Platform,member",
            "pl@acme.test,Pat,Platform,Product,leader",
        ),
    )
    assert job.errors == []
    counts = job.plan["counts"]
    assert (counts["unit_adds"], counts["unit_moves"], counts["person_adds"]) == (1, 1, 1)
    assert job.plan["examples"]["unit_moves"] == ["Payments to Platform"]


def test_two_units_of_one_name_in_the_organization_need_a_path(org, division):
    UnitFactory(organization=org, parent=division, name="Platform")
    other = UnitFactory(organization=org, name="Services")
    UnitFactory(organization=org, parent=other, name="Platform")
    MembershipFactory(unit=division, role=Membership.Role.LEADER)
    job = upload(org, csv_file("pl@acme.test,Pat,Platform,Product,leader"))
    assert "has 2 units named “Platform”" in job.errors[0]["message"]


def test_a_workbook_carrying_an_xml_entity_bomb_is_refused_unread(org):
    source = zipfile.ZipFile(
        io.BytesIO(xlsx([["email", "name", "unit", "parent", "role"], ["a@b.test", "A", "X", "", "leader"]]))
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bomb:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                entities = (
                    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                )
                data = data.replace(b"?>", b"?>" + entities.encode(), 1).replace(b"a@b.test", b"&b;@b.test")
            bomb.writestr(item, data)
    with pytest.raises(FileRefused, match="can't be read|damaged"):
        read_table("people.xlsx", out.getvalue())
