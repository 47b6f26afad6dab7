"""Render stage, interactive: the Principal page (trust policy, reach, admin, tags)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from crosstrust.explorer import data, keys
from crosstrust.explorer.tables import edges_frame, mapping_frame, principals_frame
from crosstrust.explorer.widgets import md, pick_principal
from graph.model import NodeKind, Principal
from graph.trustgraph import TrustGraph


def _facts(graph: TrustGraph, principal: Principal, tier: str) -> pd.DataFrame:
    node_id = principal.node_id
    facts = {
        "kind": str(principal.kind),
        "cloud": str(principal.cloud),
        "container": principal.container_id or "-",
        "external": "yes" if principal.external else "no",
        "admin": "yes" if graph.is_admin(node_id) else "no",
        "tier": tier or "-",
    }
    return mapping_frame(facts, name="fact")


def _admin_status(graph: TrustGraph, node_id: str, reaches_admin: bool) -> None:
    if graph.is_admin(node_id):
        st.error(f"Admin: {md(graph.admin_reason(node_id))}")
    elif reaches_admin:
        st.warning("Not admin itself, but has a route to admin (see Paths).")
    else:
        st.success("Not admin, and no route to admin.")


def _trust_policy(graph: TrustGraph, principal: Principal, digest: str) -> None:
    st.subheader("Trust policy")
    document = data.trust_policy_for(graph, digest, principal.node_id)
    if document is not None:
        st.code(json.dumps(document, indent=2, sort_keys=False), language="json")
    elif principal.kind is NodeKind.ROLE:
        st.caption("The export that described this role cannot be read back.")
    else:
        st.caption(
            "No trust document is read back for this kind of principal; "
            "the inbound trust edges below show who is granted its power."
        )


def _findings_on(graph: TrustGraph, digest: str, node_id: str) -> None:
    frame = data.findings_table_for(graph, digest)
    mine = frame[frame["subject"] == node_id]
    st.subheader(f"Findings on this principal ({len(mine)})")
    if len(mine):
        st.dataframe(mine, hide_index=True)


def principal() -> None:
    graph = data.current_graph()
    digest = data.current_source().digest
    ids = data.principal_ids_for(graph, digest)
    st.title("Principal")
    if not ids:
        st.info("The graph holds no principals.")
        return
    reaching = data.admin_reachers_for(graph, digest)
    labels = data.picker_labels_for(graph, digest)
    node_id = pick_principal(
        "Principal (type to search)",
        ids,
        key=keys.PRINCIPAL,
        default=reaching[0] if reaching else "",
        format_func=lambda i: labels.get(i, i),
    )
    chosen = graph.principal(node_id)
    tier = data.tiers_for(graph, digest).get(node_id, "")

    st.code(node_id, language=None)
    _admin_status(graph, node_id, node_id in reaching)
    facts, tags = st.columns(2)
    facts.dataframe(_facts(graph, chosen, tier), hide_index=True)
    with tags:
        if chosen.tags:
            st.dataframe(mapping_frame(chosen.tags, name="tag"), hide_index=True)
        else:
            st.caption("No tags.")
    with st.expander("Attributes"):
        st.dataframe(
            mapping_frame(chosen.attributes, name="attribute"), hide_index=True
        )

    _trust_policy(graph, chosen, digest)
    callers, reached = data.neighbours_for(graph, digest, node_id)
    left, right = st.columns(2)
    with left:
        st.subheader(f"Who can reach it ({len(callers)})")
        st.dataframe(principals_frame(graph, callers), hide_index=True)
        st.caption("Inbound trust edges")
        st.dataframe(
            edges_frame(graph.in_edges(node_id), side="source"), hide_index=True
        )
    with right:
        st.subheader(f"What it can reach ({len(reached)})")
        st.dataframe(principals_frame(graph, reached), hide_index=True)
        st.caption("Outbound trust edges")
        st.dataframe(
            edges_frame(graph.out_edges(node_id), side="target"), hide_index=True
        )
    _findings_on(graph, digest, node_id)
