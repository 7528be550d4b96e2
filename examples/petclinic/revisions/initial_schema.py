def upgrade() -> None:
    op.create_table(
        "owners",
        sa.Column("owner_id", sa.Integer, primary_key=True),
        sa.Column("owner_name", sa.String(100), nullable=False),
        sa.Column("owner_email", sa.String(100)),
    )
    op.create_table(
        "species",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
    )
    op.create_table(
        "pets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.owner_id")),
        sa.Column("species_id", sa.Integer, sa.ForeignKey("species.id")),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.create_table(
        "manipulations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("price", sa.Numeric(10, 2)),
    )
    op.create_table(
        "manipulation_facts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pet_id", sa.Integer, sa.ForeignKey("pets.id"), nullable=False),
        sa.Column("manipulation_id", sa.Integer, sa.ForeignKey("manipulations.id"), nullable=False),
        sa.Column("done_at", sa.DateTime),
    )
    op.execute("INSERT INTO species (id, name) VALUES (1, 'cat'), (2, 'dog')")
    op.execute("INSERT INTO owners (owner_id, owner_name) VALUES (1, 'Anna')")
    op.execute("INSERT INTO pets (id, owner_id, species_id, name) VALUES (1, 1, 1, 'Murka')")


def downgrade() -> None:
    op.drop_table("manipulation_facts")
    op.drop_table("manipulations")
    op.drop_table("pets")
    op.drop_table("species")
    op.drop_table("owners")
