import { describe, expect, it } from '@jest/globals';
import { mergeTocLines, parseTocEntry, referencedTables, selectSchemaTocLines, selectTocLines, tableOfEntries } from './pg-partial-restore.js';

// Lines as pg_restore 15 prints them for Chinook plus an `orders` table (serial, identity, comment, index).
const LIST = [
  ';',
  '; Archive created at 2026-11-26 04:05:00 UTC',
  '219; 1259 217404 TABLE public invoice postgres',
  '227; 1259 217502 TABLE public orders postgres',
  '3452; 0 0 COMMENT public TABLE orders postgres',
  '225; 1259 217500 SEQUENCE public orders_id_seq postgres',
  '3453; 0 0 SEQUENCE OWNED BY public orders_id_seq postgres',
  '226; 1259 217501 SEQUENCE public orders_n_seq postgres',
  '3242; 2604 217505 DEFAULT public orders id postgres',
  '3437; 0 217404 TABLE DATA public invoice postgres',
  '3445; 0 217502 TABLE DATA public orders postgres',
  '3454; 0 0 SEQUENCE SET public orders_id_seq postgres',
  '3455; 0 0 SEQUENCE SET public orders_n_seq postgres',
  '3258; 2606 217408 CONSTRAINT public invoice invoice_pkey postgres',
  '3278; 2606 217509 CONSTRAINT public orders orders_pkey postgres',
  '3249; 1259 217457 INDEX public invoice_customer_id_idx postgres',
  '3276; 1259 217510 INDEX public orders_note postgres',
  '3282; 2606 217452 FK CONSTRAINT public invoice invoice_customer_id_fkey postgres',
  '3460; 0 0 ACL public TABLE orders postgres',
];

const SCHEMA_SQL = `
--
-- TOC entry 225 (class 1259 OID 217500)
-- Name: orders_id_seq; Type: SEQUENCE; Schema: public; Owner: postgres
-- Data Pos: 0
--

CREATE SEQUENCE public.orders_id_seq
    AS integer;

--
-- TOC entry 3453 (class 0 OID 0)
-- Dependencies: 225
-- Name: orders_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: postgres
--

ALTER SEQUENCE public.orders_id_seq OWNED BY public.orders.id;

--
-- TOC entry 226 (class 1259 OID 217501)
-- Dependencies: 227
-- Name: orders_n_seq; Type: SEQUENCE; Schema: public; Owner: postgres
--

ALTER TABLE public.orders ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.orders_n_seq
);

--
-- TOC entry 3249 (class 1259 OID 217457)
-- Dependencies: 219
-- Name: invoice_customer_id_idx; Type: INDEX; Schema: public; Owner: postgres
--

CREATE INDEX invoice_customer_id_idx ON public.invoice USING btree (customer_id);

--
-- TOC entry 3276 (class 1259 OID 217510)
-- Dependencies: 227
-- Name: orders_note; Type: INDEX; Schema: public; Owner: postgres
--

CREATE INDEX orders_note ON public."orders" USING btree (note);
`;

describe('partial restores of a PostgreSQL archive', () => {
  it('parses a list entry, a multi-word kind and a tag with spaces', () => {
    expect(parseTocEntry('3453; 0 0 SEQUENCE OWNED BY public orders_id_seq postgres')).toEqual({
      id: 3453,
      desc: 'SEQUENCE OWNED BY',
      schema: 'public',
      tag: 'orders_id_seq',
    });
    expect(parseTocEntry('3452; 0 0 COMMENT public TABLE orders postgres')).toMatchObject({ desc: 'COMMENT', tag: 'TABLE orders' });
    expect(parseTocEntry('; Archive created at 2026-11-26')).toBeNull();
  });

  it('finds the table of each index and owned sequence (serial and identity) from the SQL', () => {
    expect(tableOfEntries(SCHEMA_SQL)).toEqual(
      new Map([
        [225, 'public.orders'],
        [226, 'public.orders'],
        [3249, 'public.invoice'],
        [3276, 'public.orders'],
      ]),
    );
  });

  it("keeps a table's definition, sequences, defaults, data, constraints, indexes, comments and ACLs, in order", () => {
    const ids = selectTocLines(LIST, tableOfEntries(SCHEMA_SQL), ['public.orders'], true).map((line) => line.split(';')[0]);
    expect(ids).toEqual(['227', '3452', '225', '3453', '226', '3242', '3445', '3454', '3455', '3278', '3276', '3460']);
  });

  it('leaves the rows and sequence values out without data, and foreign keys always', () => {
    const orders = selectTocLines(LIST, tableOfEntries(SCHEMA_SQL), ['public.orders'], false).map((line) => line.split(';')[0]);
    expect(orders).toEqual(['227', '3452', '225', '3453', '226', '3242', '3278', '3276', '3460']);
    const invoice = selectTocLines(LIST, tableOfEntries(SCHEMA_SQL), ['public.invoice'], true).map((line) => line.split(';')[0]);
    expect(invoice).toEqual(['219', '3437', '3258', '3249']);
  });
});

describe('selectSchemaTocLines', () => {
  const SCHEMA_LIST = [
    '5; 2615 16390 SCHEMA - sales postgres',
    '3500; 0 0 COMMENT - SCHEMA sales postgres',
    '6; 2615 16391 SCHEMA - other postgres',
    '230; 1259 217600 TABLE sales orders postgres',
    '231; 1259 217601 TABLE sales lines postgres',
    '232; 1255 217602 FUNCTION sales total(integer) postgres',
    '233; 1259 217603 VIEW sales big_orders postgres',
    '234; 1259 217604 SEQUENCE sales orders_id_seq postgres',
    '3501; 0 217600 TABLE DATA sales orders postgres',
    '3502; 0 0 SEQUENCE SET sales orders_id_seq postgres',
    '3503; 2606 217605 CONSTRAINT sales orders orders_pkey postgres',
    '3504; 2606 217606 FK CONSTRAINT sales lines lines_order_fkey postgres',
    '3505; 2606 217607 FK CONSTRAINT sales orders orders_customer_fkey postgres',
    '3506; 0 0 ACL - SCHEMA sales postgres',
    '3507; 0 0 ACL sales TABLE orders postgres',
    '3508; 0 0 ACL - SCHEMA other postgres',
    '219; 1259 217404 TABLE public invoice postgres',
  ];
  const SQL = `
--
-- TOC entry 3504 (class 2606 OID 217606)
-- Name: lines lines_order_fkey; Type: FK CONSTRAINT; Schema: sales; Owner: postgres
--

ALTER TABLE ONLY sales.lines
    ADD CONSTRAINT lines_order_fkey FOREIGN KEY (order_id) REFERENCES sales.orders(id);

--
-- TOC entry 3505 (class 2606 OID 217607)
-- Name: orders orders_customer_fkey; Type: FK CONSTRAINT; Schema: sales; Owner: postgres
--

ALTER TABLE ONLY sales.orders
    ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES public.customer(customer_id);
`;

  it('keeps the schema, its comment and grants, and everything in it but foreign keys leaving it', () => {
    expect(selectSchemaTocLines(SCHEMA_LIST, referencedTables(SQL), ['sales'], true)).toEqual(
      SCHEMA_LIST.filter((line) => /( sales |SCHEMA sales)/.test(line) && !line.includes('orders_customer_fkey')),
    );
  });

  it('without data leaves out rows and sequence values', () => {
    const lines = selectSchemaTocLines(SCHEMA_LIST, referencedTables(SQL), ['sales'], false);
    expect(lines.some((line) => /TABLE DATA|SEQUENCE SET/.test(line))).toBe(false);
    expect(lines).toContain('230; 1259 217600 TABLE sales orders postgres');
  });

  it('merges with named tables in the archive order, each line once', () => {
    const schemas = selectSchemaTocLines(SCHEMA_LIST, referencedTables(SQL), ['sales'], true);
    const tables = [SCHEMA_LIST[16]!, SCHEMA_LIST[3]!];
    expect(mergeTocLines(SCHEMA_LIST, schemas, tables)).toEqual([...schemas, SCHEMA_LIST[16]]);
  });
});
