"""The citizen's material store (材料复用): what they typed or uploaded once, kept for
them and offered again, with its origin and age, in later applications that need it."""
