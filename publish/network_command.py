"""``maillage network``: draw a network from a built dataset, measure it and write it to a file."""

from __future__ import annotations

from pathlib import Path

import click

from maillage.graph.measures import add_measures, top_nodes
from maillage.graph.network_export import FORMATS, write_network
from maillage.graph.networks import (
    LEVELLED,
    NETWORKS,
    WITH_MENTIONS,
    Filters,
    Level,
    NetworkTooLarge,
    UnknownFilterValue,
    Via,
    build_network,
)
from maillage.graph.store import StoreMode, open_store
from maillage.publish.options import data_option
from maillage.publish.views import Colouring

#: Filter field -> the command-line option that sets it.
FILTER_OPTIONS = {
    "mots_cles": "--mot-cle",
    "dimensions": "--dimension",
    "publics": "--public",
    "statuts": "--statut",
    "initiateurs": "--initiative",
    "departements": "--departement",
    "communes": "--commune",
}


def _filter_option(name: str, field: str, help: str):
    return click.option(name, field, multiple=True, metavar="VALEUR", help=help)


@click.command("network")
@data_option
@click.option(
    "--kind",
    "kind",
    required=True,
    type=click.Choice(list(NETWORKS)),
    help="structures-partenaires: structures and their partners (bipartite); partenaires: partners "
    "declared on the same action; structures: structures sharing partners or keywords (--via); "
    "mots-cles: keywords declared on the same action.",
)
@click.option(
    "--niveau",
    "level",
    type=click.Choice([level.value for level in Level]),
    default=None,
    help="Partners as the form's partner kinds (types, the default) or as territorial organisations "
    "(organisations: Caf, MSA, CPAM, CARSAT, Conseil départemental, État of each département). "
    "Only for the kinds that draw partners.",
)
@click.option(
    "--via",
    "via",
    type=click.Choice([via.value for via in Via]),
    default=None,
    help="For --kind structures: link structures sharing partners (the default) or keywords.",
)
@_filter_option("--mot-cle", "mots_cles", "Keep the actions with this keyword (notation or French label).")
@_filter_option("--dimension", "dimensions", "Keep the actions of this dimension.")
@_filter_option("--public", "publics", "Keep the actions for this public.")
@_filter_option("--statut", "statuts", "Keep the actions with this status (En cours, Terminée).")
@_filter_option("--departement", "departements", "Keep the actions of this département (INSEE code or name).")
@_filter_option("--initiative", "initiateurs", "Keep the actions initiated by this initiator.")
@_filter_option(
    "--commune",
    "communes",
    "Keep the actions of the structures located in this commune, or whose texts name it as the action's "
    "place (INSEE code or name, among the communes of the graph).",
)
@click.option(
    "--mentions",
    "mentions",
    is_flag=True,
    help="Add the organisations cited in the action texts as partners (--kind "
    f"{' or '.join(WITH_MENTIONS)}): kind organisation-citee unless also declared.",
)
@click.option(
    "--couleur",
    "colour",
    type=click.Choice([colour.value for colour in Colouring]),
    default=None,
    help="For an .html view: colour the nodes by kind (type, the default) or by département.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help=f"The file to write; its suffix chooses the format ({', '.join(FORMATS)}).",
)
@click.option("--seed", default=42, show_default=True, type=int, help="Seed of the community detection.")
def network_command(
    data: Path,
    kind: str,
    level: str | None,
    via: str | None,
    mots_cles: tuple[str, ...],
    dimensions: tuple[str, ...],
    publics: tuple[str, ...],
    statuts: tuple[str, ...],
    departements: tuple[str, ...],
    initiateurs: tuple[str, ...],
    communes: tuple[str, ...],
    mentions: bool,
    colour: str | None,
    out: Path,
    seed: int,
) -> None:
    """Draw the network KIND from the dataset DATA and write it to OUT.

    Filters can be repeated (--mot-cle Parentalité --mot-cle Santé keeps the actions with either) and
    combined (--mot-cle Parentalité --public Familles keeps those with both). The nodes get their degree,
    weighted degree, betweenness, PageRank, component and Louvain community; a summary and the top 5
    nodes by weighted degree are printed to stderr.
    """
    if out.suffix.lower() not in FORMATS:
        raise click.BadParameter(
            f"{out.name}: the suffix must be one of {', '.join(FORMATS)}", param_hint="--out"
        )
    if level is not None and kind not in LEVELLED:
        raise click.UsageError(f"--niveau does not apply to --kind {kind} (no partners in it)")
    if via is not None and kind != "structures":
        raise click.UsageError("--via applies to --kind structures only")
    if kind == "structures" and via == Via.MOTS_CLES.value and level is not None:
        raise click.UsageError("--niveau does not apply to --via mots-cles (no partners in it)")
    if mentions and kind not in WITH_MENTIONS:
        raise click.UsageError(f"--mentions applies to --kind {' and '.join(WITH_MENTIONS)} only")
    if colour is not None and out.suffix.lower() != ".html":
        raise click.UsageError("--couleur applies to an .html view only")
    filters = Filters(
        mots_cles=mots_cles,
        dimensions=dimensions,
        publics=publics,
        statuts=statuts,
        initiateurs=initiateurs,
        departements=departements,
        communes=communes,
    )
    try:
        store = open_store(data, StoreMode.DISK)
    except (FileNotFoundError, OSError) as error:
        raise click.ClickException(str(error)) from error
    try:
        graph = build_network(
            store,
            kind,
            filters,
            level=level or Level.TYPE.value,
            via=via or Via.PARTENAIRES.value,
            mentions=mentions,
        )
    except UnknownFilterValue as error:
        raise click.BadParameter(str(error), param_hint=FILTER_OPTIONS[error.field]) from error
    except NetworkTooLarge as error:
        raise click.ClickException(str(error)) from error
    summary = add_measures(graph, seed=seed)
    try:
        write_network(graph, out, view={"colour": colour or Colouring.TYPE.value})
    except (RuntimeError, OSError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"network: {graph.graph['name']} ({graph.graph['filters']}; {graph.graph['actions']} actions)",
        err=True,
    )
    click.echo(
        f"nodes: {summary['nodes']}, edges: {summary['edges']}, components: {summary['components']}, "
        f"communities: {summary['communities']} (modularity {summary['modularity']:.3f}, seed {seed})",
        err=True,
    )
    top = top_nodes(graph, "degre_pondere", 5)
    if top:
        click.echo(f"top {len(top)} by weighted degree:", err=True)
        for rank, (label, iri, value) in enumerate(top, 1):
            click.echo(f"  {rank}. {label} ({value}) <{iri}>", err=True)
    click.echo(f"wrote {out} ({FORMATS[out.suffix.lower()]})", err=True)
