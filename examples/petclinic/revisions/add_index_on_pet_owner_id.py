def upgrade() -> None:
    op.create_index("ix_pet_owner_id", "pets", ["owner_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_pet_owner_id", table_name="pets")
