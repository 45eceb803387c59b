"""The book's table of contents (titles only): how a copy is recognised as *Stalin in Power*."""
from __future__ import annotations

PARTS = {1: "The Setting", 2: "The First Phase", 3: "The Second Phase"}

# chapter number -> (title, part); 0 is the Introduction.
CHAPTERS: dict[int, tuple[str, int]] = {
    0: ("Toward a New October", 0),
    1: ("The Tsardom's Rise", 1),
    2: ("Lenin's Legacy", 1),
    3: ("Stalin's Program", 1),
    4: ("Starting the Second Revolution", 2),
    5: ("The Five-Year Plan in Four!", 2),
    6: ("The Making of a Rural Upheaval", 2),
    7: ("The Cult and Its Creator", 2),
    8: ("Terror and Calamity: Stalin's October", 2),
    9: ("Stalin's Time of Trouble", 2),
    10: ("The Diplomacy of Rapprochement with Germany", 2),
    11: ("The Congress of Victims", 2),
    12: ("The Coming of the Great Purge", 3),
    13: ("Politics and Society in the Purge Era", 3),
    14: ("Stalin and Fascism", 3),
    15: ("The Forging of Autocracy I", 3),
    16: ("The Forging of Autocracy II", 3),
    17: ("The Terror Process", 3),
    18: ("Terror, Russian Nationalism, and Foreign Policy", 3),
    19: ("The Revolution of Belief", 3),
    20: ("The Scripted Culture", 3),
    21: ("Culminations, 1939-1940", 3),
    22: ("The Reckoning", 3),
}

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-one": 21, "twenty-two": 22,
}
PART_WORDS = {"one": 1, "two": 2, "three": 3, "i": 1, "ii": 2, "iii": 3, "1": 1, "2": 2, "3": 3}
