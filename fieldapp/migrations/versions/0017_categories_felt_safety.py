"""categories: sub-choices (parent) and the plain-language default set; felt safety on a 4-point word scale

Existing findings keep their category: no code changes. The default categories whose names were never
edited get the new wording, and the merged ones become sub-choices of the category they merged into
(graffiti, vandalism, litter, abandoned → upkeep; vegetation → blocked view; signage → footpath), so an
export of an old walk names the same thing. Felt safety answers given on the 3-point scale stay in
``felt_safety``; 4-point answers go to the new ``felt_safety4`` (fieldapp/finding_rules.py).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

from fieldapp.finding_rules import felt_safety_check_name, felt_safety_sql

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# code: (old sv, old en) → (new sv, new en, parent code, order, icon). The defaults as they were in
# fieldapp/services/categories.py before this revision; only rows still carrying the old names are renamed.
RENAMES = {
    "safe_place": (("Trygg plats – värna", "Safe place – keep"),
                   ("Här känns det tryggt", "Feels safe here", None, 0, "safe")),
    "lighting": (("Belysning", "Lighting"), ("Belysning", "Lighting", None, 1, "lighting")),
    "sightlines": (("Skymd sikt, gömställen", "Blocked sightlines, hiding places"),
                   ("Skymd sikt, buskage", "Can't see ahead, bushes", None, 2, "sightlines")),
    "vegetation": (("Vegetation, buskage", "Vegetation, shrubbery"),
                   ("Buskar och träd", "Bushes and trees", "sightlines", 3, "vegetation")),
    "isolation": (("Avskildhet, folktomt", "Isolation, no one around"),
                  ("Ensamt, folktomt", "Lonely, no one around", None, 4, "isolation")),
    "underpass": (("Gångtunnlar, passager", "Underpasses, passages"),
                  ("Tunnel, passage", "Tunnel, passage", None, 5, "underpass")),
    "maintenance": (("Skötsel, underhåll", "Maintenance"),
                    ("Skräp, klotter, skador", "Litter, graffiti, damage", None, 6, "maintenance")),
    "litter": (("Nedskräpning", "Litter"), ("Skräp", "Litter", "maintenance", 7, "litter")),
    "graffiti": (("Klotter", "Graffiti"), ("Klotter", "Graffiti", "maintenance", 8, "graffiti")),
    "vandalism": (("Skadegörelse", "Vandalism"),
                  ("Skadegörelse", "Vandalism", "maintenance", 9, "vandalism")),
    "abandoned": (("Övergivna platser, byggnader, fordon", "Abandoned places, buildings, vehicles"),
                  ("Övergivet hus eller fordon", "Abandoned building or vehicle", "maintenance", 10,
                   "abandoned")),
    "traffic": (("Trafiksäkerhet, övergångsställen", "Traffic safety, crossings"),
                ("Trafik, övergångsställen", "Traffic, crossings", None, 11, "traffic")),
    "walkway": (("Gångväg: framkomlighet, halka, snö", "Walkway: accessibility, ice, snow"),
                ("Gångväg: hinder, halka", "Footpath: obstacles, ice", None, 12, "walkway")),
    "signage": (("Skyltning, orienterbarhet", "Signage, wayfinding"),
                ("Skyltar, svårt att hitta", "Signs, hard to find the way", "walkway", 13, "signage")),
    "transit": (("Hållplatser, kollektivtrafik", "Stops, public transport"),
                ("Hållplats, station", "Bus stop, station", None, 14, "transit")),
    "social": (("Social miljö, störningar", "Social environment, disturbance"),
               ("Stök, störningar", "Rowdiness, disturbance", None, 15, "social")),
    "other": (("Övrigt", "Other"), ("Något annat", "Something else", None, 16, "other")),
}


def upgrade():
    # Plain ADD COLUMN on both databases: a batch (table copy) would drop SpatiaLite's geometry metadata.
    scale = 4
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE categories ADD COLUMN parent_id INTEGER "
                   "REFERENCES categories (id)")
        op.execute(f"ALTER TABLE findings ADD COLUMN felt_safety4 SMALLINT "
                   f"CONSTRAINT {felt_safety_check_name(scale)} CHECK ({felt_safety_sql(scale)})")
    else:
        op.add_column('categories', sa.Column('parent_id', sa.Integer(), nullable=True))
        op.create_foreign_key(None, 'categories', 'categories', ['parent_id'], ["id"])
        op.add_column('findings', sa.Column('felt_safety4', sa.SmallInteger(), nullable=True))
        op.create_check_constraint(felt_safety_check_name(scale), 'findings', felt_safety_sql(scale))
    categories = sa.table('categories', sa.column('id', sa.Integer), sa.column('code', sa.String),
                          sa.column('name_sv', sa.String), sa.column('name_en', sa.String),
                          sa.column('parent_id', sa.Integer), sa.column('sort_order', sa.Integer),
                          sa.column('icon', sa.String))
    bind = op.get_bind()
    ids = dict(bind.execute(sa.select(categories.c.code, categories.c.id)).all())
    for code, ((old_sv, old_en), (sv, en, parent, order, icon)) in RENAMES.items():
        if code not in ids:
            continue
        values = {"sort_order": order, "parent_id": ids.get(parent) if parent else None}
        bind.execute(categories.update().where(categories.c.id == ids[code]).values(**values))
        bind.execute(categories.update().where(
            categories.c.id == ids[code], categories.c.name_sv == old_sv, categories.c.name_en == old_en
        ).values(name_sv=sv, name_en=en, icon=icon))


def downgrade():
    categories = sa.table('categories', sa.column('code', sa.String), sa.column('name_sv', sa.String),
                          sa.column('name_en', sa.String))
    bind = op.get_bind()
    for code, ((old_sv, old_en), (sv, en, *_rest)) in RENAMES.items():
        bind.execute(categories.update().where(
            categories.c.code == code, categories.c.name_sv == sv, categories.c.name_en == en
        ).values(name_sv=old_sv, name_en=old_en))
    if bind.dialect.name != 'sqlite':
        op.drop_constraint(felt_safety_check_name(4), 'findings', type_='check')
    # SQLite ≥ 3.35 drops a column with its own CHECK in place (no table copy, the geometry metadata stays).
    op.drop_column('findings', 'felt_safety4')
    with op.batch_alter_table('categories') as batch:  # no geometry here: the table copy is safe
        batch.drop_column('parent_id')
