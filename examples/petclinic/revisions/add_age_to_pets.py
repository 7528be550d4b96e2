def upgrade() -> None:
    op.add_column("pets", sa.Column("age", sa.Integer, nullable=True))
    op.execute("UPDATE pets SET age = 0 WHERE age IS NULL")


def downgrade() -> None:
    op.drop_column("pets", "age")
