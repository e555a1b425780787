"""Contract 4: interval bounds are xsd:dateTimeStamp with the Europe/Brussels offset of their
instant; hourly intervals last one hour, daily ones run from local midnight to local midnight."""

import datetime as dt
import re

from rdflib.namespace import PROV, XSD

from conftest import (BRUSSELS, SOSA, CountMember, Harvest, brussels_offset, local_day_bounds,
                      offset_of, parse_xsd_datetime)

BOUND_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


def bound_problems(member: CountMember) -> list[str]:
    problems = []
    for name, literal, value in (("begin", member.begin_literal, member.begin),
                                 ("end", member.end_literal, member.end)):
        text = str(literal)
        if literal.datatype != XSD.dateTimeStamp:
            problems.append(f"{member.iri} {name} {text!r}: datatype {literal.datatype}")
        if not BOUND_RE.match(text):
            problems.append(f"{member.iri} {name} {text!r}: not a date-time with a numeric offset")
            continue
        expected = brussels_offset(value)
        if offset_of(text) != expected or expected not in ("+01:00", "+02:00"):
            problems.append(f"{member.iri} {name} {text!r}: Brussels offset is {expected}")
    return problems


def test_bounds_carry_the_brussels_offset(count_members):
    problems = [p for member in count_members for p in bound_problems(member)]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:25])


def test_hourly_intervals_last_one_hour(count_members):
    hourly = [m for m in count_members if m.period == "hourly"]
    assert hourly
    for member in hourly:
        assert member.end - member.begin == dt.timedelta(hours=1), member.iri
        local = member.begin.astimezone(BRUSSELS)
        assert (local.minute, local.second, local.microsecond) == (0, 0, 0), member.iri


def test_daily_intervals_run_from_local_midnight_to_local_midnight(count_members):
    daily = [m for m in count_members if m.period == "daily"]
    assert daily
    for member in daily:
        begin_local = parse_xsd_datetime(str(member.begin_literal))
        end_local = parse_xsd_datetime(str(member.end_literal))
        assert begin_local.time() == dt.time(0) and end_local.time() == dt.time(0), \
            f"{member.iri}: {member.begin_literal} .. {member.end_literal} not at local midnight"
        assert end_local.date() == begin_local.date() + dt.timedelta(days=1), member.iri
        expected = local_day_bounds(begin_local.date())
        assert (member.begin, member.end) == expected, member.iri
        assert member.end - member.begin in {dt.timedelta(hours=h) for h in (23, 24, 25)}, member.iri


def test_result_and_generation_times_are_typed_and_zoned(harvested: Harvest):
    graph = harvested.members_graph
    problems = []
    for member in harvested.members:
        for predicate, datatype in ((SOSA.resultTime, XSD.dateTimeStamp),
                                    (PROV.generatedAtTime, XSD.dateTime)):
            for literal in graph.objects(member, predicate):
                if getattr(literal, "datatype", None) != datatype:
                    problems.append(f"{member} {predicate}: {literal!r}")
                elif offset_of(str(literal)) is None:
                    problems.append(f"{member} {predicate}: {literal} has no time zone")
    assert not problems, "\n".join(problems[:25])
